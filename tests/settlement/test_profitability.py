"""Profitability by branch, salesperson and product line (`settlement.profitability`,
`/finance/profitability/`, `/api/v1/profitability/`).

One hand-built month reconciles to the cent: two branches (Shanghai, Beijing), two
salespeople, two product lines (Appliances › Kitchen with the kettle, Garden › Grills
with the toaster), two invoices, a credit note, two deliveries at a known unit cost
(50.00, the opening stock's), a customer return, a posted rebate and a paid expense —
plus what must not count (a draft invoice, a claim not approved yet). Then who may
read it (sales managers their scope, no costs without `view_stock_cost`; salespeople,
dealers and the warehouse not at all), the other workspace, bad input, the files and
the number of queries."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.settlement.api_support import issued
from tests.settlement.conftest import confirmed_order
from tests.support.queries import assert_list_queries
from tradepost.masterdata import services as md
from tradepost.masterdata.models import ProductCategory
from tradepost.sales import orders
from tradepost.settlement import expenses, invoices, money, rebates, services
from tradepost.settlement.models import Rebate
from tradepost.settlement.profitability import month_of, profitability

D = Decimal
PAGE = "/finance/profitability/"
API = "/api/v1/profitability/"
TODAY = timezone.localdate()
START, END = month_of(TODAY)


def _scenario(org) -> dict:
    """This month's documents (see the module docstring); every figure is in CNY, the
    workspace's base currency, and every unit left or came back at 50.00."""
    finance = org.users["finance_manager"]
    warehouse = org.users["warehouse_manager"]
    with schema_context(org.schema):
        garden = md.tree_node_create(
            actor=org.owner, model=ProductCategory, name="Garden 园艺", code="GAR"
        )
        grills = md.tree_node_create(
            actor=org.owner, model=ProductCategory, parent=garden, name="Grills", code="GRL"
        )
        org.products["toaster"] = md.product_update(
            actor=org.owner, product=org.products["toaster"], category=grills
        )
    kettle, toaster = org.products["kettle"], org.products["toaster"]
    shanghai = confirmed_order(
        org,
        "rep_own",
        lines=[
            {"product": kettle, "quantity": D("10"), "unit_price": D("100.00")},
            {"product": toaster, "quantity": D("4"), "unit_price": D("50.00")},
        ],
    )
    beijing = confirmed_order(
        org, "north", lines=[{"product": toaster, "quantity": D("3"), "unit_price": D("80.00")}]
    )
    ignored = confirmed_order(
        org, "north", lines=[{"product": toaster, "quantity": D("1"), "unit_price": D("999.00")}]
    )
    with schema_context(org.schema):
        base = money.base_currency()
        # Delivered: 10 kettles and 4 toasters to Shanghai, 3 toasters to Beijing.
        shanghai = orders.order_ship(actor=warehouse, order=shanghai)
        shanghai = orders.order_deliver(actor=warehouse, order=shanghai)
        orders.order_ship(actor=warehouse, order=beijing)
        # Invoiced: 1 000 + 200 (Shanghai), 240 (Beijing); a draft counts nothing.
        for order in (shanghai, beijing):
            draft = invoices.invoice_from_order(actor=finance, order=order)
            invoices.invoice_issue(actor=finance, invoice=draft)
        invoices.invoice_from_order(actor=finance, order=ignored)
        # Two kettles come back (credited at 200.00 net, 226.00 with tax).
        kettle_line = shanghai.lines.get(product=kettle)
        orders.order_return_create(
            actor=finance, order=shanghai, quantities={kettle_line.pk: D("2")}, reason="Dented"
        )
        # A price correction for Beijing: 33.90 with 13 % tax, 30.00 net.
        beijing_invoice = beijing.invoices.get()
        note = invoices.credit_note_create(
            actor=finance,
            customer=org.customers["north"],
            amount=D("33.90"),
            tax_rate=D("13"),
            credited_invoice=beijing_invoice,
            reason="Price correction 价格更正",
        )
        invoices.invoice_issue(actor=finance, invoice=note)
        # A kettle rebate of 25.00 for the Shanghai customer, posted today.
        rule = rebates.rebate_rule_create(
            actor=finance,
            name="Kettle volume 电水壶返利",
            basis="quantity",
            tiers=[{"threshold": D("1"), "rate": D("2")}],
            valid_from=START - datetime.timedelta(days=400),
            product=kettle,
        )
        rebate = Rebate.objects.create(
            rule=rule,
            customer=org.customers["rep_own"],
            period_start=START,
            period_end=END,
            currency=base,
            amount=D("25.00"),
            status=Rebate.Status.APPROVED,
            computed_at=timezone.now(),
        )
        rebates.rebate_post(actor=finance, rebate=rebate)
        # Beijing's salesperson spent 60.00 on the customer, approved and paid; a claim
        # only submitted counts nothing.
        north_rep = org.users["north_rep"]
        claim = expenses.expense_create(
            actor=north_rep,
            description="Dinner with the buyer 客户晚餐",
            amount=D("60.00"),
            incurred_on=TODAY,
            category="entertainment",
            customer=org.customers["north"],
        )
        claim = expenses.expense_submit(actor=north_rep, claim=claim)
        claim = expenses.expense_approve(actor=finance, claim=claim)
        expenses.expense_pay(actor=finance, claim=claim, reference="BANK 88")
        waiting = expenses.expense_create(
            actor=org.users["salesperson"],
            description="Taxi",
            amount=D("999.00"),
            incurred_on=TODAY,
            customer=org.customers["rep_own"],
        )
        expenses.expense_submit(actor=org.users["salesperson"], claim=waiting)
    return {"garden": garden, "base": base}


def _report(org, who="finance_manager", by="branch", start=START, end=END):
    with schema_context(org.schema):
        return profitability(org.person(who), start=start, end=end, by=by)


def _figures(row) -> tuple:
    return (
        row.revenue,
        row.cost_of_goods,
        row.gross_margin,
        row.rebates,
        row.expenses,
        row.net_contribution,
        row.margin_percent,
    )


TOTALS = (D("1210.00"), D("750.00"), D("460.00"), D("25.00"), D("60.00"), D("375.00"), D("31.0"))


def test_every_figure_reconciles_by_branch_salesperson_and_product_line(sales_org):
    org = sales_org
    made = _scenario(org)

    by_branch = _report(org, by="branch")
    assert by_branch.currency == made["base"] and by_branch.show_cost
    assert [(row.label, _figures(row)) for row in by_branch.rows] == [
        (
            "Shanghai",
            (D("1000.00"), D("600.00"), D("400.00"), D("25.00"), D("0.00"), D("375.00"), D("37.5")),
        ),
        (
            "Beijing",
            (D("210.00"), D("150.00"), D("60.00"), D("0.00"), D("60.00"), D("0.00"), D("0.0")),
        ),
    ]
    assert [row.key for row in by_branch.rows] == [
        org.customers["rep_own"].branch_id,
        org.customers["north"].branch_id,
    ]
    assert _figures(by_branch.totals) == TOTALS

    by_person = _report(org, by="salesperson")
    assert [(row.key, row.revenue, row.net_contribution) for row in by_person.rows] == [
        (org.users["salesperson"].pk, D("1000.00"), D("375.00")),
        (org.users["north_rep"].pk, D("210.00"), D("0.00")),
    ]
    assert _figures(by_person.totals) == TOTALS

    # Kitchen rolls up into Appliances, Grills into Garden; the price correction and the
    # expense have no product line.
    by_line = _report(org, by="product_line")
    assert [(row.key, row.label, _figures(row)) for row in by_line.rows] == [
        (
            org.categories["appliances"].pk,
            "Appliances",
            (D("800.00"), D("400.00"), D("400.00"), D("25.00"), D("0.00"), D("375.00"), D("46.9")),
        ),
        (
            made["garden"].pk,
            "Garden 园艺",
            (D("440.00"), D("350.00"), D("90.00"), D("0.00"), D("0.00"), D("90.00"), D("20.5")),
        ),
        (
            None,
            "Unassigned",
            (D("-30.00"), D("0.00"), D("-30.00"), D("0.00"), D("60.00"), D("-90.00"), None),
        ),
    ]
    assert _figures(by_line.totals) == TOTALS

    # Another month holds none of it.
    last_start, last_end = month_of(START - datetime.timedelta(days=1))
    assert _report(org, start=last_start, end=last_end).rows == []


def test_the_api_answers_the_same_rows_and_totals(sales_org):
    org = sales_org
    _scenario(org)
    response = org.api("executive").get(
        API, {"start": START.isoformat(), "end": END.isoformat(), "by": "product_line"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["start"], body["end"], body["by"]) == (
        START.isoformat(),
        END.isoformat(),
        "product_line",
    )
    assert [(row["name"], row["revenue"], row["margin_percent"]) for row in body["results"]] == [
        ("Appliances", "800.00", "46.9"),
        ("Garden 园艺", "440.00", "20.5"),
        ("Unassigned", "-30.00", None),
    ]
    assert body["results"][2]["id"] is None
    assert body["totals"] == {
        "id": None,
        "name": "Total",
        "revenue": "1210.00",
        "cost_of_goods": "750.00",
        "gross_margin": "460.00",
        "rebates": "25.00",
        "expenses": "60.00",
        "net_contribution": "375.00",
        "margin_percent": "31.0",
    }
    # Without parameters: this month by branch.
    plain = org.api("executive").get(API).json()
    assert (plain["start"], plain["by"]) == (START.isoformat(), "branch")
    assert plain["totals"]["revenue"] == "1210.00"


def test_the_page_shows_the_table_the_totals_and_the_switches(sales_org):
    org = sales_org
    _scenario(org)
    response = org.client("finance_manager").get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Shanghai", "Beijing", "1,000.00", "1,210.00", "375.00", "37.5 %", "31.0 %"):
        assert text in page
    assert "by=product_line" in page and "format=xlsx" in page and "format=csv" in page
    assert 'href="/finance/profitability/"' in page  # the finance menu's entry

    lines = org.client("finance_manager").get(PAGE, {"by": "product_line"}).content.decode()
    assert "Garden 园艺" in lines and "Unassigned" in lines and "-90.00" in lines

    chinese = org.client("finance_manager").get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200


def test_an_empty_period_says_so(sales_org):
    org = sales_org
    response = org.client("executive").get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was invoiced, delivered, rebated or spent in this period." in page
    assert "format=csv" not in page


def test_the_files_hold_the_rows_and_the_totals_with_formulas_guarded(sales_org):
    org = sales_org
    _scenario(org)
    with schema_context(org.schema):  # a name a spreadsheet would run as a formula
        md.tree_node_update(actor=org.owner, node=org.branches["shanghai"], name="=HYPERLINK(1)")
    client = org.client("finance_manager")
    answer = client.get(PAGE, {"format": "csv"})
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == (
        f'attachment; filename="profitability-branch-{START:%Y%m%d}-{END:%Y%m%d}.csv"'
    )
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "branch",
        "revenue",
        "cost_of_goods",
        "gross_margin",
        "rebates",
        "expenses",
        "net_contribution",
        "margin_percent",
        "currency",
    ]
    assert rows[1][:2] == ["'=HYPERLINK(1)", "1000.00"]
    assert rows[-1][:2] == ["Total", "1210.00"] and rows[-1][-2:] == ["31.0", "CNY"]

    workbook = client.get(PAGE, {"format": "xlsx", "by": "salesperson"})
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(workbook.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "salesperson"
    assert values[-1][:2] == ("Total", 1210)


def test_other_currencies_convert_and_a_missing_rate_is_said(sales_org):
    """A USD invoice converts at its own factor (7.10 entered for today); a claim in
    EUR, with no rate entered, is left out and counted."""
    org = sales_org
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        services.exchange_rate_set(actor=finance, currency="USD", rate=D("7.10"))
    lamps = [{"product": org.products["usd_lamp"], "quantity": D("2"), "unit_price": D("30.00")}]
    order = confirmed_order(org, "rep_own", lines=lamps, currency="USD")
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=finance, order=order)
        invoice = invoices.invoice_issue(actor=finance, invoice=draft)
        assert (invoice.currency, invoice.exchange_rate) == ("USD", D("7.10000000"))
        claim = expenses.expense_create(
            actor=org.users["salesperson"],
            description="Trade fair 展会",
            amount=D("100.00"),
            currency="EUR",
            incurred_on=TODAY,
            customer=org.customers["rep_own"],
        )
        claim = expenses.expense_submit(actor=org.users["salesperson"], claim=claim)
        expenses.expense_approve(actor=finance, claim=claim)
    report = _report(org)
    assert [(row.label, row.revenue, row.expenses) for row in report.rows] == [
        ("Shanghai", D("426.00"), D("0.00"))
    ]
    assert report.unconverted == 1
    page = org.client("finance_manager").get(PAGE).content.decode()
    assert "1 document in another currency has no exchange rate" in page
    assert org.api("finance_manager").get(API).json()["unconverted"] == 1


def test_a_sales_manager_sees_their_scope_without_costs(sales_org):
    org = sales_org
    _scenario(org)
    report = _report(org, "sales_manager")
    assert not report.show_cost
    assert [(row.label, _figures(row)) for row in report.rows] == [
        ("Shanghai", (D("1000.00"), None, None, D("25.00"), D("0.00"), None, None)),
    ]
    assert "cost_of_goods" not in report.columns
    body = org.api("sales_manager").get(API).json()
    assert [row["name"] for row in body["results"]] == ["Shanghai"]
    assert body["totals"]["cost_of_goods"] is None and body["show_cost"] is False
    page = org.client("sales_manager").get(PAGE).content.decode()
    table = page.split("<table")[1].split("</table>")[0]
    assert "Shanghai" in table and "1,000.00" in table
    assert "Beijing" not in table and "Cost of goods" not in table


def test_a_branch_claim_counts_for_the_branchs_manager_only(sales_org):
    """Claims for a branch (no customer) land on that branch; a sales manager sees
    those of their branch subtree, not another branch's."""
    org = sales_org
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        for who, branch, amount in (
            ("salesperson", "hangzhou", D("40.00")),
            ("north_rep", "beijing", D("70.00")),
        ):
            claim = expenses.expense_create(
                actor=org.users[who],
                description="Store opening 开业",
                amount=amount,
                incurred_on=TODAY,
                branch=org.branches[branch],
                customer=None,
            )
            claim = expenses.expense_submit(actor=org.users[who], claim=claim)
            expenses.expense_approve(actor=finance, claim=claim)
    assert [(row.label, row.expenses) for row in _report(org, "sales_manager").rows] == [
        ("Hangzhou", D("40.00"))
    ]
    everything = _report(org, "executive")
    assert [(row.label, row.expenses) for row in everything.rows] == [
        ("Beijing", D("70.00")),
        ("Hangzhou", D("40.00")),
    ]
    assert everything.totals.net_contribution == D("-110.00")
    by_person = _report(org, "sales_manager", by="salesperson")
    assert [(row.key, row.expenses) for row in by_person.rows] == [
        (org.users["salesperson"].pk, D("40.00"))
    ]


@pytest.mark.parametrize("who", ["salesperson", "dealer", "warehouse_manager"])
def test_salespeople_dealers_and_the_warehouse_are_refused(sales_org, who):
    org = sales_org
    assert org.client(who).get(PAGE).status_code == 403
    assert org.api(who).get(API).status_code == 403
    with schema_context(org.schema), pytest.raises(PermissionDenied):
        profitability(org.person(who), start=START, end=END, by="branch")
    menu = org.client("finance_manager").get("/finance/invoices/").content.decode()
    assert PAGE in menu
    if who != "warehouse_manager":  # the warehouse has no finance menu at all
        assert PAGE not in org.client(who).get("/finance/invoices/").content.decode()


def test_another_workspace_sees_none_of_it(sales_org, beta_sales_org):
    _scenario(sales_org)
    beta = beta_sales_org
    assert _report(beta).rows == []
    body = beta.api("finance_manager").get(API).json()
    assert body["results"] == [] and body["totals"]["revenue"] == "0.00"
    page = beta.client("finance_manager").get(PAGE).content.decode()
    assert "Shanghai" not in page and "1,210.00" not in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"by": "region"}, "by"),
        ({"start": "2026-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"start": "2026-03-01", "end": "2026-02-01"}, "end"),
        ({"start": "2025-01-01", "end": "2026-01-02"}, "end"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(sales_org, query, field):
    org = sales_org
    answer = org.api("finance_manager").get(API, query)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    page = org.client("finance_manager").get(PAGE, query)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    with schema_context(org.schema), pytest.raises(ValidationError):
        profitability(org.person("finance_manager"), start=END, end=START, by="branch")


def test_the_api_refuses_an_empty_or_repeated_parameter(sales_org):
    api = sales_org.api("finance_manager")
    empty = api.get(API, {"start": ""})
    assert empty.status_code == 400
    assert empty.json()["errors"] == {
        "start": ["Must not be empty; leave the parameter out instead."]
    }
    twice = api.get(f"{API}?by=branch&by=salesperson")
    assert twice.status_code == 400 and twice.json()["errors"] == {
        "by": ["Give this parameter once."]
    }


def _invoiced(org, customer: str, product: str) -> None:
    """An issued invoice of one `product` to `customer`."""
    order = confirmed_order(
        org, customer, lines=[{"product": org.products[product], "quantity": D("1")}]
    )
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=finance, order=order)
        invoices.invoice_issue(actor=finance, invoice=draft)


@pytest.mark.parametrize("door", ["api", "page"])
@pytest.mark.parametrize("by", ["branch", "salesperson", "product_line"])
def test_the_page_and_the_api_read_in_a_fixed_number_of_queries(sales_org, by, door):
    """One row at first; then rows of other branches, salespeople and product lines
    (and more documents in each): the same number of queries."""
    org = sales_org
    with schema_context(org.schema):
        garden = md.tree_node_create(
            actor=org.owner, model=ProductCategory, name="Garden 园艺", code="GAR"
        )
        org.products["toaster"] = md.product_update(
            actor=org.owner, product=org.products["toaster"], category=garden
        )
    _invoiced(org, "rep_own", "kettle")

    def grow():
        _invoiced(org, "north", "toaster")
        _invoiced(org, "hangzhou_unowned", "toaster")
        issued(org, "dealer")

    if door == "api":
        api = org.api("finance_manager")
        assert_list_queries(
            lambda: api.get(API, {"by": by}),
            grow,
            queries=API_QUERIES,
            size=lambda answer: len(answer.json()["results"]),
        )
    else:
        client = org.client("finance_manager")
        assert_list_queries(
            lambda: client.get(PAGE, {"by": by}),
            grow,
            queries=PAGE_QUERIES,
            size=lambda answer: answer.content.decode().count("<tr"),
        )


API_QUERIES = 14
PAGE_QUERIES = 14
