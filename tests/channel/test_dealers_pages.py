"""The dealer pages in the browser: demand plans (a dealer's own list and form, the
review buttons, the month's plans against orders) and master agreements (list, the
form with its price lines, usage per line and the orders under it, activate/close) —
with permissions per role, bad input shown on the form, isolation and query counts."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support import factories
from tests.support.queries import assert_list_queries
from tradepost.channel import agreements, plans
from tradepost.channel.models import Agreement, AgreementLine, DemandPlan
from tradepost.sales import orders

TODAY = timezone.localdate()
YEAR_END = datetime.date(TODAY.year, 12, 31)


def _month() -> str:
    return f"{plans.next_month():%Y-%m}"


def _rows(prefix: str, rows: list[dict], extra: int = 0) -> dict:
    """A formset's POST data: the management form and the given rows."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def _plan(org, who="dealer", dealer="dealer", lines=None, month=None):
    actor = org.owner if who == "owner" else org.users[who]
    with schema_context(org.workspace.schema):
        return plans.demand_plan_save(
            actor=actor,
            dealer=org.customers[dealer] if isinstance(dealer, str) else dealer,
            month=month or plans.next_month(),
            lines=lines or [{"product": org.products["kettle"], "quantity": Decimal("10")}],
        )


def _agreement(org, activate=True, customer="rep_own", **kwargs):
    with schema_context(org.workspace.schema):
        kwargs.setdefault(
            "lines",
            [
                {
                    "product": org.products["kettle"],
                    "unit_price": Decimal("150.00"),
                    "max_quantity": Decimal("10"),
                }
            ],
        )
        agreement = agreements.agreement_create(
            actor=org.owner,
            customer=org.customers[customer],
            name=kwargs.pop("name", "Framework 框架"),
            starts_on=TODAY.replace(day=1),
            ends_on=YEAR_END,
            **kwargs,
        )
        if activate:
            agreement = agreements.agreement_activate(actor=org.owner, agreement=agreement)
        return agreement


# --- Demand plans: the dealer's own ----------------------------------------------------
def test_a_dealer_draws_up_its_plan_on_the_form(sales_org):
    org = sales_org
    client = org.client("dealer")

    form = client.get("/sales/demand-plans/new/")
    saved = client.post(
        "/sales/demand-plans/new/",
        {
            "dealer": org.customers["dealer"].pk,
            "month": _month(),
            "notes": "春节备货",
            **_rows(
                "lines",
                [
                    {"product": org.products["kettle"].pk, "quantity": "12"},
                    {"product": org.products["toaster"].pk, "quantity": "2.5"},
                ],
                extra=1,
            ),
        },
    )

    assert form.status_code == 200
    # The dealer's own record is the only choice, and it is chosen.
    body = form.content.decode()
    assert f'<option value="{org.customers["dealer"].pk}" selected>' in body
    assert org.customers["north"].name not in body
    assert saved.status_code == 302
    with schema_context(org.workspace.schema):
        plan = DemandPlan.objects.get()
        assert saved["Location"] == f"/sales/demand-plans/{plan.pk}/"
        assert plan.notes == "春节备货"
        assert dict(plan.lines.values_list("product__sku", "quantity")) == {
            "KT-1": Decimal("12.000"),
            "TS-1": Decimal("2.500"),
        }
    page = client.get(saved["Location"]).content.decode()
    assert "Submit for review" in page and ">12<" in page and ">2.5<" in page


@pytest.mark.parametrize(
    ("fields", "rows", "message"),
    [
        ({}, [], "Add at least one product."),
        ({"month": "2020-01"}, None, "2020-01 is over: plan this month or a later one."),
        ({"month": "soon"}, None, "Enter a month as YYYY-MM, e.g. 2026-12."),
        (
            {},
            [{"product": "kettle", "quantity": "1"}, {"product": "kettle", "quantity": "2"}],
            "Each product once per plan: change the quantity instead.",
        ),
        ({}, [{"product": "kettle", "quantity": ""}], "Enter a quantity."),
        ({}, [{"product": "kettle", "quantity": "0"}], "Line 1, quantity: Must be more than zero."),
    ],
)
def test_bad_plans_come_back_with_the_error_and_nothing_is_written(
    sales_org, fields, rows, message
):
    org = sales_org
    if rows is None:
        rows = [{"product": "kettle", "quantity": "5"}]
    rows = [{**row, "product": org.products[row["product"]].pk} for row in rows]

    response = org.client("dealer").post(
        "/sales/demand-plans/new/",
        {
            "dealer": org.customers["dealer"].pk,
            "month": _month(),
            **fields,
            **_rows("lines", rows),
        },
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(org.workspace.schema):
        assert DemandPlan.objects.count() == 0


def test_a_dealer_sees_only_its_own_plans_and_others_are_404(sales_org):
    org = sales_org
    own = _plan(org)
    others = _plan(org, who="north_rep", dealer=factories.franchise(org))
    client = org.client("dealer")

    listed = client.get("/sales/demand-plans/").content.decode()

    assert f"/sales/demand-plans/{own.pk}/" in listed
    assert f"/sales/demand-plans/{others.pk}/" not in listed
    assert client.get(f"/sales/demand-plans/{others.pk}/").status_code == 404
    assert client.get(f"/sales/demand-plans/{others.pk}/edit/").status_code == 404
    assert client.post(f"/sales/demand-plans/{others.pk}/submit/").status_code == 404
    with schema_context(org.workspace.schema):
        assert DemandPlan.objects.get(pk=others.pk).status == DemandPlan.Status.DRAFT


def test_the_dealer_edits_and_submits_and_then_the_plan_is_locked(sales_org):
    org = sales_org
    plan = _plan(org)
    client = org.client("dealer")

    edit = client.get(f"/sales/demand-plans/{plan.pk}/edit/")
    saved = client.post(
        f"/sales/demand-plans/{plan.pk}/edit/",
        {
            "notes": "updated",
            **_rows("lines", [{"product": org.products["toaster"].pk, "quantity": "3"}]),
        },
    )
    submitted = client.post(f"/sales/demand-plans/{plan.pk}/submit/")
    locked = client.get(f"/sales/demand-plans/{plan.pk}/edit/")

    assert edit.status_code == 200 and 'value="10"' in edit.content.decode()
    assert saved.status_code == submitted.status_code == 302
    assert locked.status_code == 302 and locked["Location"] == f"/sales/demand-plans/{plan.pk}/"
    with schema_context(org.workspace.schema):
        plan.refresh_from_db()
        assert (plan.status, plan.notes) == (DemandPlan.Status.SUBMITTED, "updated")
        assert list(plan.lines.values_list("product__sku", flat=True)) == ["TS-1"]
    page = client.get(f"/sales/demand-plans/{plan.pk}/").content.decode()
    assert "Submit for review" not in page and "Return to the dealer" not in page


def test_a_reviewer_accepts_or_returns_with_a_comment(sales_org):
    org = sales_org
    first = _plan(org)
    second = _plan(org, who="north_rep", dealer=factories.franchise(org))
    with schema_context(org.workspace.schema):
        for plan in (first, second):
            plans.demand_plan_submit(actor=org.owner, plan=plan)
    client = org.client("owner")

    page = client.get(f"/sales/demand-plans/{first.pk}/").content.decode()
    no_comment = client.post(f"/sales/demand-plans/{first.pk}/return/", {"comment": ""})
    returned = client.post(f"/sales/demand-plans/{first.pk}/return/", {"comment": "Max 8 kettles"})
    accepted = client.post(f"/sales/demand-plans/{second.pk}/accept/", {"comment": ""})

    assert "Return to the dealer" in page and "Accept" in page
    assert no_comment.status_code == 400
    assert "Say what the dealer should change." in no_comment.content.decode()
    assert returned.status_code == accepted.status_code == 302
    with schema_context(org.workspace.schema):
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, first.review_comment) == (DemandPlan.Status.RETURNED, "Max 8 kettles")
        assert second.status == DemandPlan.Status.ACCEPTED
    dealer_page = org.client("dealer").get(f"/sales/demand-plans/{first.pk}/").content.decode()
    assert "Max 8 kettles" in dealer_page and "Submit for review" in dealer_page


def test_a_dealer_cannot_review_its_own_plan(sales_org):
    org = sales_org
    plan = _plan(org)
    with schema_context(org.workspace.schema):
        plans.demand_plan_submit(actor=org.owner, plan=plan)
    client = org.client("dealer")

    page = client.get(f"/sales/demand-plans/{plan.pk}/").content.decode()
    refused = client.post(f"/sales/demand-plans/{plan.pk}/accept/")

    assert "Return to the dealer" not in page
    assert refused.status_code == 403
    with schema_context(org.workspace.schema):
        assert DemandPlan.objects.get().status == DemandPlan.Status.SUBMITTED


@pytest.mark.parametrize(
    ("role", "list_status", "new_status"),
    [
        ("warehouse_manager", 403, 403),
        ("finance_manager", 200, 403),
        ("executive", 200, 403),
        ("salesperson", 200, 200),
        ("sales_manager", 200, 200),
    ],
)
def test_plan_pages_per_role(sales_org, role, list_status, new_status):
    client = sales_org.client(role)
    assert client.get("/sales/demand-plans/").status_code == list_status
    assert client.get("/sales/demand-plans/new/").status_code == new_status


def test_a_salesperson_without_dealers_is_told_so(sales_org):
    page = sales_org.client("salesperson").get("/sales/demand-plans/new/").content.decode()
    assert "There is no dealer or franchisee you may plan for." in page


def test_the_plan_list_filters_by_month_and_status_and_pages(sales_org):
    org = sales_org
    submitted = _plan(org)
    with schema_context(org.workspace.schema):
        plans.demand_plan_submit(actor=org.owner, plan=submitted)
        dealer = org.customers["dealer"]
        # 50 plans of months gone by (made directly: the service refuses past months).
        DemandPlan.objects.bulk_create(
            DemandPlan(dealer=dealer, month=plans.month_add(plans.current_month(), -n))
            for n in range(1, 51)
        )
    client = org.client("owner")

    first = client.get("/sales/demand-plans/").content.decode()
    second = client.get("/sales/demand-plans/", {"page": 2}).content.decode()
    by_status = client.get("/sales/demand-plans/", {"status": "submitted"}).content.decode()
    by_month = client.get("/sales/demand-plans/", {"month": _month()}).content.decode()
    nothing = client.get("/sales/demand-plans/", {"status": "accepted"}).content.decode()

    links = re.compile(r'href="/sales/demand-plans/(\d+)/"')
    assert len(links.findall(first)) == 50 and len(links.findall(second)) == 1
    assert links.findall(by_status) == [str(submitted.pk)]
    assert links.findall(by_month) == [str(submitted.pk)]
    assert "No plan matches this filter." in nothing


def test_the_empty_plan_list_offers_the_next_step(sales_org):
    page = sales_org.client("dealer").get("/sales/demand-plans/").content.decode()
    assert "No demand plans yet." in page and "/sales/demand-plans/new/" in page


def test_the_plan_list_query_count_does_not_grow(sales_org):
    org = sales_org
    client = org.client("owner")
    _plan(org)

    def grow():
        for index in range(6):
            _plan(org, who="owner", dealer=factories.franchise(org, name=f"F{index}"))

    body = assert_list_queries(
        lambda: client.get("/sales/demand-plans/"), grow, queries=9
    ).content.decode()
    assert body.count('href="/sales/demand-plans/') >= 7


# --- The month's plans vs. orders ----------------------------------------------------
def test_the_aggregate_page_shows_planned_dealers_and_ordered(sales_org):
    org = sales_org
    month = plans.next_month()
    plan = _plan(
        org,
        lines=[
            {"product": org.products["kettle"], "quantity": Decimal("10")},
            {"product": org.products["toaster"], "quantity": Decimal("4")},
        ],
    )
    other = _plan(
        org,
        who="north_rep",
        dealer=factories.franchise(org),
        lines=[{"product": org.products["kettle"], "quantity": Decimal("5")}],
    )
    with schema_context(org.workspace.schema):
        for each in (plan, other):
            plans.demand_plan_submit(actor=org.owner, plan=each)
        orders.order_create(
            actor=org.owner,
            customer=org.customers["dealer"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("6")}],
            order_date=month.replace(day=5),
        )
    client = org.client("sales_manager")

    page = org.client("owner").get("/sales/demand-plans/aggregate/", {"month": f"{month:%Y-%m}"})
    default = org.client("owner").get("/sales/demand-plans/aggregate/")
    empty = client.get("/sales/demand-plans/aggregate/", {"month": f"{month:%Y-%m}"})
    bad = client.get("/sales/demand-plans/aggregate/", {"month": "2026-13"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "2 plans · 2 dealers" in body
    kettle_row = re.search(r"KT-1 — .*?</tr>", body, re.S).group(0)
    cells = re.findall(r'class="num">([^<]+)<', kettle_row)
    assert cells == ["15", "2", "6", "-9", "40.0 %"]
    assert f"Plans vs. orders, {month:%Y-%m}" in default.content.decode()  # next month
    assert "No submitted or accepted plans for this month yet." in empty.content.decode()
    assert bad.status_code == 400 and "Enter a month as YYYY-MM" in bad.content.decode()


def test_the_aggregate_page_query_count_does_not_grow(sales_org):
    org = sales_org
    client = org.client("owner")
    url = f"/sales/demand-plans/aggregate/?month={_month()}"
    with schema_context(org.workspace.schema):
        plans.demand_plan_submit(actor=org.owner, plan=_plan(org))

    def grow():
        for index in range(5):
            plan = _plan(
                org,
                who="owner",
                dealer=factories.franchise(org, name=f"F{index}"),
                lines=[
                    {"product": org.products["kettle"], "quantity": Decimal("1")},
                    {"product": org.products["toaster"], "quantity": Decimal("1")},
                ],
            )
            with schema_context(org.workspace.schema):
                plans.demand_plan_submit(actor=org.owner, plan=plan)

    body = assert_list_queries(lambda: client.get(url), grow, queries=10).content.decode()
    assert "6 plans · 6 dealers" in body


# --- Agreements ----------------------------------------------------------------------
def test_a_sales_manager_draws_up_an_agreement_with_lines(sales_org):
    org = sales_org
    client = org.client("sales_manager")

    form = client.get("/sales/agreements/new/")
    saved = client.post(
        "/sales/agreements/new/",
        {
            "customer": org.customers["rep_own"].pk,
            "name": "2026 年度框架协议",
            "currency": "",
            "starts_on": TODAY.replace(day=1).isoformat(),
            "ends_on": YEAR_END.isoformat(),
            "notes": "",
            **_rows(
                "lines",
                [
                    {
                        "product": org.products["kettle"].pk,
                        "unit_price": "150",
                        "max_quantity": "100",
                    },
                    {
                        "product": org.products["toaster"].pk,
                        "unit_price": "220.50",
                        "max_quantity": "",
                    },
                ],
                extra=1,
            ),
        },
    )

    assert form.status_code == 200
    assert org.customers["north"].name not in form.content.decode()  # out of scope
    assert saved.status_code == 302, saved.content.decode()
    with schema_context(org.workspace.schema):
        agreement = Agreement.objects.get()
        assert saved["Location"] == f"/sales/agreements/{agreement.pk}/"
        assert agreement.number == f"MA-{TODAY.year}-00001"
        assert dict(agreement.lines.values_list("product__sku", "max_quantity")) == {
            "KT-1": Decimal("100.000"),
            "TS-1": None,
        }
    page = client.get(saved["Location"]).content.decode()
    assert "Activate" in page and "no cap" in page and ">100<" in page


@pytest.mark.parametrize(
    ("fields", "rows", "message"),
    [
        ({"ends_on": "2020-01-01"}, None, "The agreement cannot end before it starts."),
        ({"name": ""}, None, "This field is required."),
        (
            {},
            [
                {"product": "kettle", "unit_price": "1", "max_quantity": ""},
                {"product": "kettle", "unit_price": "2", "max_quantity": ""},
            ],
            "Each product once per agreement: one price and one cap.",
        ),
        (
            {},
            [{"product": "kettle", "unit_price": "", "max_quantity": "3"}],
            "Enter the agreed price.",
        ),
        (
            {},
            [{"product": "kettle", "unit_price": "5", "max_quantity": "0"}],
            "Line 1, max_quantity: Must be more than zero.",
        ),
    ],
)
def test_bad_agreements_come_back_with_the_error(sales_org, fields, rows, message):
    org = sales_org
    if rows is None:
        rows = [{"product": "kettle", "unit_price": "150", "max_quantity": ""}]
    rows = [{**row, "product": org.products[row["product"]].pk} for row in rows]

    response = org.client("sales_manager").post(
        "/sales/agreements/new/",
        {
            "customer": org.customers["rep_own"].pk,
            "name": "Framework",
            "starts_on": TODAY.replace(day=1).isoformat(),
            "ends_on": YEAR_END.isoformat(),
            **fields,
            **_rows("lines", rows),
        },
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(org.workspace.schema):
        assert Agreement.objects.count() == AgreementLine.objects.count() == 0


def test_the_detail_shows_usage_per_line_and_the_orders_under_it(sales_org):
    org = sales_org
    agreement = _agreement(org)
    with schema_context(org.workspace.schema):
        placed = orders.order_create(
            actor=org.users["salesperson"],
            customer=org.customers["rep_own"],
            agreement=agreement,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("4")}],
        )
        cancelled = orders.order_create(
            actor=org.users["salesperson"],
            customer=org.customers["rep_own"],
            agreement=agreement,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("5")}],
        )
        orders.order_cancel(actor=org.owner, order=cancelled, reason="dup")

    body = org.client("salesperson").get(f"/sales/agreements/{agreement.pk}/").content.decode()

    row = re.search(r"KT-1 — .*?</tr>", body, re.S).group(0)
    cells = [c.strip() for c in re.findall(r'class="num">(.*?)</td>', row, re.S)]
    assert cells[0].startswith("150.00")
    assert cells[1:] == ["10", '<span>4 <small class="muted">(40 %)</small></span>', "6"]
    assert f'href="/sales/orders/{placed.pk}/"' in body
    assert f'href="/sales/orders/{cancelled.pk}/"' in body  # listed, not counted
    # A salesperson reads agreements but neither edits, activates nor closes them.
    assert "/edit/" not in body and ">Close<" not in body


def test_activate_and_close_buttons(sales_org):
    org = sales_org
    empty = _agreement(org, activate=False, lines=[])
    ready = _agreement(org, activate=False)
    client = org.client("sales_manager")

    refused = client.post(f"/sales/agreements/{empty.pk}/activate/")
    activated = client.post(f"/sales/agreements/{ready.pk}/activate/")
    closed = client.post(f"/sales/agreements/{ready.pk}/close/")
    again = client.post(f"/sales/agreements/{ready.pk}/close/")
    unknown = client.post(f"/sales/agreements/{ready.pk}/explode/")

    assert refused.status_code == 400
    assert "Add at least one product before activating." in refused.content.decode()
    assert activated.status_code == closed.status_code == 302
    assert again.status_code == 400
    assert unknown.status_code == 404
    with schema_context(org.workspace.schema):
        assert Agreement.objects.get(pk=empty.pk).status == Agreement.Status.DRAFT
        assert Agreement.objects.get(pk=ready.pk).status == Agreement.Status.CLOSED


def test_an_active_agreement_edits_only_its_name_notes_and_end(sales_org):
    org = sales_org
    agreement = _agreement(org)
    client = org.client("sales_manager")

    form = client.get(f"/sales/agreements/{agreement.pk}/edit/").content.decode()
    saved = client.post(
        f"/sales/agreements/{agreement.pk}/edit/",
        {"name": "Renamed 新名", "ends_on": YEAR_END.isoformat(), "notes": "n"},
    )

    assert 'name="lines-TOTAL_FORMS"' not in form and 'name="starts_on"' not in form
    assert saved.status_code == 302
    with schema_context(org.workspace.schema):
        agreement.refresh_from_db()
        assert agreement.name == "Renamed 新名"
        assert agreement.lines.get().unit_price == Decimal("150.00")


def test_a_draft_agreement_edits_its_lines(sales_org):
    org = sales_org
    agreement = _agreement(org, activate=False)
    client = org.client("sales_manager")

    form = client.get(f"/sales/agreements/{agreement.pk}/edit/").content.decode()
    saved = client.post(
        f"/sales/agreements/{agreement.pk}/edit/",
        {
            "name": "Framework",
            "currency": "USD",
            "starts_on": TODAY.isoformat(),
            "ends_on": YEAR_END.isoformat(),
            "notes": "",
            **_rows(
                "lines",
                [
                    {
                        "product": org.products["toaster"].pk,
                        "unit_price": "9.99",
                        "max_quantity": "5",
                    }
                ],
            ),
        },
    )

    assert 'value="10"' in form  # the cap as typed, not 1E+1
    assert saved.status_code == 302
    with schema_context(org.workspace.schema):
        agreement.refresh_from_db()
        assert agreement.currency == "USD"
        assert list(agreement.lines.values_list("product__sku", "unit_price")) == [
            ("TS-1", Decimal("9.99"))
        ]


@pytest.mark.parametrize(
    ("role", "list_status", "new_status"),
    [
        ("salesperson", 200, 403),
        ("dealer", 200, 403),
        ("executive", 200, 403),
        ("warehouse_manager", 403, 403),
        ("sales_manager", 200, 200),
    ],
)
def test_agreement_pages_per_role(sales_org, role, list_status, new_status):
    client = sales_org.client(role)
    assert client.get("/sales/agreements/").status_code == list_status
    assert client.get("/sales/agreements/new/").status_code == new_status


def test_a_dealer_sees_only_its_own_agreements(sales_org):
    org = sales_org
    own = _agreement(org, customer="dealer")
    other = _agreement(org)
    client = org.client("dealer")

    listed = client.get("/sales/agreements/").content.decode()

    assert f"/sales/agreements/{own.pk}/" in listed
    assert f"/sales/agreements/{other.pk}/" not in listed
    assert client.get(f"/sales/agreements/{other.pk}/").status_code == 404
    assert client.get(f"/sales/agreements/{own.pk}/").status_code == 200


def test_the_agreement_list_filters_and_shows_an_empty_state(sales_org):
    org = sales_org
    draft = _agreement(org, activate=False, name="Draft deal")
    active = _agreement(org, name="Live deal")
    client = org.client("owner")

    by_status = client.get("/sales/agreements/", {"status": "active"}).content.decode()
    by_text = client.get("/sales/agreements/", {"q": "draft"}).content.decode()
    empty = org.client("dealer").get("/sales/agreements/").content.decode()

    assert f"/sales/agreements/{active.pk}/" in by_status
    assert f"/sales/agreements/{draft.pk}/" not in by_status
    assert f"/sales/agreements/{draft.pk}/" in by_text
    assert f"/sales/agreements/{active.pk}/" not in by_text
    assert "No master agreements yet." in empty


@pytest.mark.parametrize(("page", "queries"), [("list", 9), ("detail", 10)])
def test_the_agreement_pages_take_the_same_queries_for_one_agreement_and_many(
    sales_org, page, queries
):
    org = sales_org
    client = org.client("owner")
    first = _agreement(org)
    url = "/sales/agreements/" if page == "list" else f"/sales/agreements/{first.pk}/"
    with schema_context(org.workspace.schema):
        orders.order_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            agreement=first,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )

    def grow():
        for index in range(4):
            agreement = _agreement(org, name=f"A{index}")
            with schema_context(org.workspace.schema):
                for target in (agreement, first):
                    orders.order_create(
                        actor=org.owner,
                        customer=org.customers["rep_own"],
                        agreement=target,
                        lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
                    )

    assert_list_queries(lambda: client.get(url), grow, queries=queries)


# --- Another workspace ---------------------------------------------------------------
def test_another_workspace_never_reaches_alphas_plans_or_agreements(sales_org, beta_sales_org):
    plan = _plan(sales_org)
    agreement = _agreement(sales_org)
    beta = beta_sales_org.client("owner")

    for url in (
        f"/sales/demand-plans/{plan.pk}/",
        f"/sales/demand-plans/{plan.pk}/edit/",
        f"/sales/agreements/{agreement.pk}/",
        f"/sales/agreements/{agreement.pk}/edit/",
    ):
        assert beta.get(url).status_code == 404, url
    assert beta.post(f"/sales/demand-plans/{plan.pk}/submit/").status_code == 404
    assert beta.post(f"/sales/agreements/{agreement.pk}/close/").status_code == 404
    assert "No demand plans yet." in beta.get("/sales/demand-plans/").content.decode()
    assert "No master agreements yet." in beta.get("/sales/agreements/").content.decode()
    with schema_context(sales_org.workspace.schema):
        assert DemandPlan.objects.get().status == DemandPlan.Status.DRAFT
        assert Agreement.objects.get().status == Agreement.Status.ACTIVE
