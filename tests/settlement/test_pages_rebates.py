"""Rebate pages (返利): finance keeps a rule with its tiers, computes last month, reads
the explanation line by line, approves, rejects and posts as a credit note, all through
the pages; bad input (falling tiers, a month not over) is 400 with nothing written;
managers read their customers' rebates and change nothing, salespeople see no page;
another workspace sees nothing; both lists run a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django_tenants.utils import schema_context

from tests.settlement.scenarios import (
    LAST_MONTH,
    LAST_START,
    TODAY,
)
from tests.settlement.scenarios import bought_last_month as _bought
from tests.settlement.scenarios import rebate_of as _rebate_of
from tests.settlement.scenarios import rebate_rule as _rule
from tests.settlement.scenarios import rebates_computed as _computed
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.settlement.models import Invoice, Rebate, RebateRule, RebateTier

D = Decimal


def _rule_form(org, tiers=(("5", "2"), ("10", "3")), **fields) -> dict[str, str]:
    data = {
        "name": "Toaster volume 烤面包机返利",
        "is_active": "on",
        "customer": "",
        "customer_group": "",
        "product": str(org.products["toaster"].pk),
        "category": "",
        "period": "month",
        "basis": "quantity",
        "reward": "percent",
        "valid_from": (LAST_START - datetime.timedelta(days=400)).isoformat(),
        "valid_to": "",
        "currency": "",
        "notes": "",
        "tiers-TOTAL_FORMS": str(max(len(tiers), 1) + 1),
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "20",
    }
    for index, (threshold, rate) in enumerate(tiers):
        data[f"tiers-{index}-threshold"] = threshold
        data[f"tiers-{index}-rate"] = rate
    data.update(fields)
    return data


def _tiers(org, rule_id) -> list[tuple[Decimal, Decimal]]:
    with schema_context(org.schema):
        return list(
            RebateTier.objects.filter(rule_id=rule_id)
            .order_by("threshold")
            .values_list("threshold", "rate")
        )


def test_finance_keeps_a_rule_with_its_tiers(sales_org):
    org = sales_org
    client = org.client("finance_manager")
    form = client.get("/finance/rebates/rules/new/").content.decode()
    assert org.customers["north"].name in form and org.groups["tier1"].name in form
    assert org.products["toaster"].sku in form and 'name="tiers-0-threshold"' in form

    created = client.post("/finance/rebates/rules/new/", _rule_form(org))
    assert created.status_code == 302, created.content.decode()[:3000]
    with schema_context(org.schema):
        rule = RebateRule.objects.get()
    assert (rule.name, rule.product_id, rule.currency) == (
        "Toaster volume 烤面包机返利",
        org.products["toaster"].pk,
        "CNY",
    )
    assert _tiers(org, rule.pk) == [(D("5"), D("2")), (D("10"), D("3"))]

    listing = client.get("/finance/rebates/rules/").content.decode()
    assert rule.name in listing and "≥ 5 → 2 %" in listing and "≥ 10 → 3 %" in listing
    assert f'href="/finance/rebates/?rule={rule.pk}"' in listing

    edit_url = f"/finance/rebates/rules/{rule.pk}/"
    edit = client.get(edit_url).content.decode()
    assert 'value="Toaster volume 烤面包机返利"' in edit and 'value="10.000"' in edit
    changed = client.post(
        edit_url,
        _rule_form(
            org,
            tiers=(("1000", "1.50"), ("2500", "2.25")),
            basis="amount",
            reward="per_unit",
            product="",
            customer_group=str(org.groups["tier1"].pk),
        ),
    )
    assert changed.status_code == 302, changed.content.decode()[:3000]
    with schema_context(org.schema):
        rule.refresh_from_db()
    assert (rule.basis, rule.reward, rule.product_id, rule.customer_group_id) == (
        "amount",
        "per_unit",
        None,
        org.groups["tier1"].pk,
    )
    assert _tiers(org, rule.pk) == [(D("1000"), D("1.50")), (D("2500"), D("2.25"))]
    listing = client.get("/finance/rebates/rules/").content.decode()
    assert "≥ 2,500 CNY → 2.25 CNY per unit" in listing


def test_bad_rule_input_is_400_and_writes_nothing(sales_org):
    org = sales_org
    client = org.client("finance_manager")
    url = "/finance/rebates/rules/new/"
    for data, message in (
        (
            _rule_form(org, tiers=(("10", "2"), ("5", "3"))),
            "Tier thresholds must rise from one tier to the next: 5 follows 10.",
        ),
        (_rule_form(org, tiers=()), "Add at least one tier."),
        (_rule_form(org, tiers=(("5", ""),)), "Give both a threshold and a rate, or neither."),
        (_rule_form(org, tiers=(("1", "100.01"),)), "A percentage rate cannot be more than 100"),
        (_rule_form(org, tiers=(("-1", "2"),)), "greater than or equal to 0"),
        (
            _rule_form(
                org,
                customer=str(org.customers["rep_own"].pk),
                customer_group=str(org.groups["tier1"].pk),
            ),
            "Choose a customer or a customer group, not both.",
        ),
        (_rule_form(org, customer="999999"), "Select a valid choice."),
        (_rule_form(org, valid_to="2000-01-01"), "The rule cannot end before it starts."),
        (_rule_form(org, basis="weight"), "Select a valid choice."),
        (_rule_form(org, name=""), "This field is required."),
    ):
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 400, message
        assert message in page, (message, page[:3000])
    assert count_rows(org, RebateRule) == 0 and count_rows(org, RebateTier) == 0

    rule = _rule(org)
    falling = client.post(
        f"/finance/rebates/rules/{rule.pk}/", _rule_form(org, tiers=(("10", "2"), ("10", "3")))
    )
    assert falling.status_code == 400
    assert "10 follows 10" in falling.content.decode()
    assert _tiers(org, rule.pk) == [(D("5"), D("2")), (D("10"), D("3"))]
    assert count_rows(org, RebateRule, name="Kettle volume 电水壶返利") == 1


def test_compute_approve_and_post_through_the_pages(sales_org):
    org = sales_org
    rule = _rule(org)
    _bought(org, quantity="4")
    _bought(org, quantity="3")
    _bought(org, "north", quantity="500")
    client = org.client("finance_manager")

    listing = client.get("/finance/rebates/").content.decode()
    assert "Compute last month" in listing and f'value="{LAST_MONTH}"' in listing
    assert "No rebates yet" in listing
    computed = client.post("/finance/rebates/compute/", {"period": LAST_MONTH})
    assert computed.status_code == 302
    assert computed["Location"] == f"/finance/rebates/?period={LAST_MONTH}"
    page = client.get(computed["Location"]).content.decode()
    assert "2 new, 0 updated" in page
    own, north = _rebate_of(org), _rebate_of(org, "north")
    # 7 kettles reach the 5-unit tier: 2 % of 1,393.00; 500 reach 10 units: 3 % of 99,500.
    assert (own.amount, north.amount) == (D("27.86"), D("2985.00"))
    assert "27.86 CNY" in page and "2,985.00 CNY" in page
    assert "3,012.86 CNY" in page  # the totals row
    assert f'href="/finance/rebates/{own.pk}/"' in page

    detail = client.get(f"/finance/rebates/{own.pk}/").content.decode()
    with schema_context(org.schema):
        numbers = list(
            Rebate.objects.get(pk=own.pk).explanation["lines"][i]["order"] for i in (0, 1)
        )
    for number in numbers:
        assert number in detail
    assert org.products["kettle"].sku in detail and "796.00" in detail and "597.00" in detail
    assert "1,393 × 2 % = 27.86 → 27.86" in detail
    assert 'class="reached"' in detail
    assert "Approve" in detail and "Reject the rebate" in detail
    assert "Post as credit note" not in detail
    north_page = client.get(f"/finance/rebates/{north.pk}/").content.decode()
    assert "99,500 × 3 % = 2,985 → 2,985.00" in north_page

    # Posting before approval is refused with the reason, and writes nothing.
    early = client.post(f"/finance/rebates/{own.pk}/post/")
    assert early.status_code == 400
    assert "cannot be posted" in early.content.decode()
    assert count_rows(org, Invoice, kind="credit_note") == 0

    approved = client.post(f"/finance/rebates/{own.pk}/approve/")
    assert approved.status_code == 302 and approved["Location"] == f"/finance/rebates/{own.pk}/"
    page = client.get(f"/finance/rebates/{own.pk}/").content.decode()
    assert "Post as credit note" in page and "Approve</button>" not in page
    posted = client.post(f"/finance/rebates/{own.pk}/post/")
    assert posted.status_code == 302
    with schema_context(org.schema):
        note = Invoice.objects.get(kind="credit_note")
    assert (note.status, note.gross_total) == ("issued", D("27.86"))
    assert note.reason == f"Rebate {rule.name} {LAST_MONTH}"
    page = client.get(f"/finance/rebates/{own.pk}/").content.decode()
    assert f'href="/finance/invoices/{note.pk}/"' in page and note.number in page
    assert "Reject the rebate" not in page
    assert client.get(f"/finance/invoices/{note.pk}/").status_code == 200
    listing = client.get("/finance/rebates/?status=posted").content.decode()
    assert note.number in listing and org.customers["north"].name not in listing

    # Rejecting needs a reason; with one, the rebate is rejected for good.
    no_reason = client.post(f"/finance/rebates/{north.pk}/reject/", {"reason": " "})
    assert no_reason.status_code == 400
    assert "Say why the rebate is rejected." in no_reason.content.decode()
    assert count_rows(org, Rebate, pk=north.pk, status="computed") == 1
    rejected = client.post(f"/finance/rebates/{north.pk}/reject/", {"reason": "Ended 协议终止"})
    assert rejected.status_code == 302
    assert count_rows(org, Rebate, pk=north.pk, status="rejected", reject_reason="Ended 协议终止")
    # Computing again leaves both reviewed rebates as they are.
    again = client.post("/finance/rebates/compute/", {"period": LAST_MONTH})
    assert again.status_code == 302
    page = client.get(again["Location"]).content.decode()
    assert "2 already reviewed" in page


def test_bad_compute_input_is_400_and_writes_nothing(sales_org):
    org = sales_org
    _rule(org)
    _bought(org, quantity="6")
    client = org.client("finance_manager")
    for period, message in (
        (f"{TODAY:%Y-%m}", "That period has not ended yet."),
        (f"{TODAY.year + 1}-01", "That period has not ended yet."),
        ("2026-13", "Enter a month as YYYY-MM"),
        ("last month", "Enter a month as YYYY-MM"),
        ("", "This field is required."),
    ):
        response = client.post("/finance/rebates/compute/", {"period": period})
        assert response.status_code == 400, period
        assert message in response.content.decode(), period
    assert count_rows(org, Rebate) == 0
    # A bad filter value is left out, as on every list.
    assert client.get("/finance/rebates/?period=nonsense").status_code == 200
    # A GET of the action goes back to the list.
    back = client.get("/finance/rebates/compute/")
    assert back.status_code == 302 and back["Location"] == "/finance/rebates/"


def test_managers_read_their_customers_rebates_and_salespeople_see_no_page(sales_org):
    org = sales_org
    rule = _rule(org)
    _bought(org, quantity="5")
    _bought(org, "north", quantity="5")
    _computed(org)
    own, north = _rebate_of(org), _rebate_of(org, "north")

    manager = org.client("sales_manager")
    listing = manager.get("/finance/rebates/").content.decode()
    assert (
        f"/finance/rebates/{own.pk}/" in listing and f"/finance/rebates/{north.pk}/" not in listing
    )
    assert "Compute last month" not in listing
    assert manager.get(f"/finance/rebates/{north.pk}/").status_code == 404
    page = manager.get(f"/finance/rebates/{own.pk}/").content.decode()
    assert "995 × 2 % = 19.9 → 19.90" in page  # readers see the whole explanation
    assert "Approve</button>" not in page and "Reject the rebate" not in page
    assert manager.post(f"/finance/rebates/{own.pk}/approve/").status_code == 403
    assert manager.post(f"/finance/rebates/{north.pk}/approve/").status_code == 404
    assert manager.post("/finance/rebates/compute/", {"period": LAST_MONTH}).status_code == 403
    rules = manager.get("/finance/rebates/rules/").content.decode()
    assert rule.name in rules and "New rule" not in rules
    assert manager.get("/finance/rebates/rules/new/").status_code == 403
    assert manager.post(f"/finance/rebates/rules/{rule.pk}/", _rule_form(org)).status_code == 403

    rep = org.client("salesperson")
    for url in (
        "/finance/rebates/",
        f"/finance/rebates/{own.pk}/",
        "/finance/rebates/rules/",
        "/finance/rebates/rules/new/",
        f"/finance/rebates/rules/{rule.pk}/",
    ):
        assert rep.get(url).status_code == 403, url
    assert rep.post(f"/finance/rebates/{own.pk}/approve/").status_code == 403
    assert rep.post("/finance/rebates/compute/", {"period": LAST_MONTH}).status_code == 403
    assert rep.post("/finance/rebates/rules/new/", _rule_form(org)).status_code == 403
    # The finance menu offers "Rebates" to those who read them.
    assert 'href="/finance/rebates/"' not in rep.get("/finance/invoices/").content.decode()
    assert 'href="/finance/rebates/"' in manager.get("/finance/invoices/").content.decode()
    assert count_rows(org, Rebate, status="computed") == 2
    assert count_rows(org, RebateRule) == 1


def test_another_workspace_sees_and_touches_none_of_it(sales_org, beta_sales_org):
    org, beta = sales_org, beta_sales_org
    rule = _rule(org)
    _bought(org, quantity="5")
    _computed(org)
    rebate = _rebate_of(org)
    other = beta.client("finance_manager")
    assert other.get(f"/finance/rebates/{rebate.pk}/").status_code == 404
    assert other.post(f"/finance/rebates/{rebate.pk}/approve/").status_code == 404
    assert other.post(f"/finance/rebates/{rebate.pk}/reject/", {"reason": "x"}).status_code == 404
    assert other.get(f"/finance/rebates/rules/{rule.pk}/").status_code == 404
    assert other.post(f"/finance/rebates/rules/{rule.pk}/", _rule_form(org)).status_code == 404
    assert rule.name not in other.get("/finance/rebates/rules/").content.decode()
    assert "No rebates yet" in other.get("/finance/rebates/").content.decode()
    # Computing there finds nothing of this workspace's orders.
    assert other.post("/finance/rebates/compute/", {"period": LAST_MONTH}).status_code == 302
    assert count_rows(beta, Rebate) == 0
    assert count_rows(org, Rebate, pk=rebate.pk, status="computed") == 1
    assert count_rows(org, RebateRule, pk=rule.pk, name=rule.name) == 1


def test_the_rebate_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    _rule(org, product=None, tiers=[(D("1"), D("1"))])
    _bought(org, quantity="1")
    _computed(org)
    client = org.client("finance_manager")

    def grow():
        _rule(org, name="Toasters", product=org.products["toaster"], tiers=[(D("1"), D("2"))])
        for name in ("north", "dealer", "hangzhou_unowned"):
            _bought(org, name, quantity="1", product="toaster")
        _computed(org)

    assert_list_queries(
        lambda: client.get("/finance/rebates/"),
        grow,
        queries=QUERIES_REBATE_LIST,
        size=lambda response: response.content.decode().count("<tr"),
    )


QUERIES_REBATE_LIST = 10


def test_the_rule_list_runs_the_same_queries_for_many_rows(sales_org):
    org = sales_org
    _rule(org)
    client = org.client("finance_manager")

    def grow():
        _rule(org, name="Group 分组", product=None, customer_group=org.groups["tier1"])
        _rule(org, name="Category 类别", product=None, category=org.categories["appliances"])
        _rule(org, name="One customer", customer=org.customers["north"], basis="amount")

    assert_list_queries(
        lambda: client.get("/finance/rebates/rules/"),
        grow,
        queries=QUERIES_RULE_LIST,
        size=lambda response: response.content.decode().count("<tr"),
    )


QUERIES_RULE_LIST = 8


def test_the_rebate_pages_in_chinese_group_amounts_by_thousands(sales_org):
    org = sales_org
    rule = _rule(org)
    _bought(org, "north", quantity="500")
    _computed(org)
    rebate = _rebate_of(org, "north")
    client = org.client("finance_manager")
    client.cookies["django_language"] = "zh-hans"
    for url in (
        "/finance/rebates/",
        f"/finance/rebates/{rebate.pk}/",
        "/finance/rebates/rules/",
        "/finance/rebates/rules/new/",
        f"/finance/rebates/rules/{rule.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode(), url
    assert "2,985.00" in client.get("/finance/rebates/").content.decode()
    detail = client.get(f"/finance/rebates/{rebate.pk}/").content.decode()
    assert "99,500 × 3 % = 2,985 → 2,985.00" in detail
