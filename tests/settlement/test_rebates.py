"""Rebates (返利) through the services: tiers on quantity and on net amount, rules by
customer group and by category (sub-categories included), returns taking the basis
down, computing twice giving the same rows and explanation, approval and posting as
an issued credit note that settles the oldest invoice (once), who may do what, the
other workspace, refused input that writes nothing, and the monthly beat task."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from tests.settlement.conftest import confirmed_order, kettles
from tests.support import factories
from tests.support.queries import count_queries
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.sales import orders
from tradepost.settlement import invoices, ledger, rebates, tasks
from tradepost.settlement.demo import seed_rebates
from tradepost.settlement.models import (
    CustomerAccount,
    Invoice,
    LedgerEntry,
    Rebate,
    RebateRule,
    RebateTier,
)

D = Decimal
TODAY = timezone.localdate()
LAST_END = rebates.last_period_end(TODAY)
LAST_START = LAST_END.replace(day=1)
IN_LAST_MONTH = LAST_END.replace(day=min(15, LAST_END.day))


def _finance(org):
    return org.users["finance_manager"]


def _rule(org, *, actor=None, **fields) -> RebateRule:
    values = {
        "name": "Kettle volume 电水壶返利",
        "basis": "quantity",
        "reward": "percent",
        "tiers": [{"threshold": D("5"), "rate": D("2")}, {"threshold": D("10"), "rate": D("3")}],
        "valid_from": LAST_START - datetime.timedelta(days=400),
        "product": org.products["kettle"],
        **fields,
    }
    with schema_context(org.schema):
        return rebates.rebate_rule_create(actor=actor or _finance(org), **values)


def _bought(org, customer="rep_own", quantity="2", *, product="kettle", when=IN_LAST_MONTH):
    lines = [{"product": org.products[product], "quantity": D(quantity)}]
    return confirmed_order(org, customer, lines=lines, order_date=when)


def _compute(org, *, actor=None, period_end=LAST_END):
    with schema_context(org.schema):
        return rebates.rebates_compute(actor=actor or _finance(org), period_end=period_end)


def _rows(org):
    with schema_context(org.schema):
        return {
            row.customer_id: row for row in Rebate.objects.order_by("pk").select_related("rule")
        }


def test_a_quantity_tier_pays_its_percentage_of_the_whole_period(sales_org):
    org = sales_org
    rule = _rule(org, customer=org.customers["rep_own"])
    _bought(org, quantity="4")
    _compute(org)
    assert _rows(org) == {}  # 4 kettles: below the first tier (5)
    _bought(org, quantity="3")
    # Not counted: another customer, an order of this month, one not confirmed, a toaster.
    _bought(org, "north", quantity="20")
    _bought(org, quantity="20", when=TODAY.replace(day=1))
    factories.order(org, lines=kettles(org, "20"), order_date=IN_LAST_MONTH)
    _bought(org, quantity="20", product="toaster")
    result = _compute(org)
    assert (result.created, result.periods[rule.pk]) == (1, (LAST_START, LAST_END))
    rebate = _rows(org)[org.customers["rep_own"].pk]
    # 7 kettles reach the 5-unit tier: 2 % of 7 × 199.00 net.
    assert (rebate.quantity, rebate.net_amount, rebate.basis_total) == (D("7"), D("1393"), D("7"))
    assert (rebate.threshold, rebate.rate, rebate.amount) == (D("5"), D("2"), D("27.86"))
    assert (rebate.status, rebate.currency) == ("computed", "CNY")
    assert (rebate.period_start, rebate.period_end) == (LAST_START, LAST_END)
    explained = rebate.explanation
    assert [line["counted_quantity"] for line in explained["lines"]] == ["4", "3"]
    assert {line["sku"] for line in explained["lines"]} == {org.products["kettle"].sku}
    assert explained["lines"][0]["net_amount"] == "796.00"
    assert explained["tier"] == {"threshold": "5", "rate": "2"}
    assert explained["arithmetic"] == "1393 × 2 % = 27.86 → 27.86"
    # Three more kettles: the whole period moves up to the 10-unit tier (3 %).
    _bought(org, quantity="3")
    again = _compute(org)
    assert (again.created, again.updated) == (0, 1)
    moved = _rows(org)[org.customers["rep_own"].pk]
    assert moved.pk == rebate.pk
    assert (moved.threshold, moved.amount) == (D("10"), D("59.70"))  # 3 % of 1990.00


def test_an_amount_tier_by_group_and_category_pays_per_unit(sales_org):
    org = sales_org
    group = org.groups["tier1"]
    with schema_context(org.schema):
        for name in ("rep_own", "north"):
            customer_services.customer_update(
                actor=org.owner, customer=org.customers[name], group=group
            )
    # Appliances holds Kitchen, which holds the kettle; the toaster is in neither.
    _rule(
        org,
        name="Appliances 家电返利",
        product=None,
        category=org.categories["appliances"],
        customer_group=group,
        basis="amount",
        reward="per_unit",
        tiers=[{"threshold": D("500"), "rate": D("1.50")}, {"threshold": D("1000"), "rate": 2.5}],
    )
    _bought(org, "rep_own", quantity="3")  # 597.00
    _bought(org, "rep_own", quantity="10", product="toaster")  # not in the category
    _bought(org, "north", quantity="6")  # 1194.00
    _bought(org, "hangzhou_unowned", quantity="9")  # not in the group
    _bought(org, "region_only", quantity="2")  # 398.00, not in the group either
    _compute(org)
    rows = _rows(org)
    assert set(rows) == org.ids("rep_own", "north")
    own, north = rows[org.customers["rep_own"].pk], rows[org.customers["north"].pk]
    assert (own.basis_total, own.rate, own.amount) == (D("597"), D("1.50"), D("4.50"))
    assert (north.basis_total, north.rate, north.amount) == (D("1194"), D("2.50"), D("15.00"))
    assert north.explanation["arithmetic"] == "6 × 2.5 = 15 → 15.00"


def test_a_return_takes_its_share_off_the_basis(sales_org):
    org = sales_org
    _rule(org, tiers=[{"threshold": D("1"), "rate": D("10")}])
    order = _bought(org, quantity="6")  # 1194.00 net
    _compute(org)
    first = _rows(org)[order.customer_id]
    assert first.amount == D("119.40")
    warehouse = org.users["warehouse_manager"]
    with schema_context(org.schema):
        order = orders.order_ship(actor=warehouse, order=order)
        order = orders.order_deliver(actor=warehouse, order=order)
        orders.order_return_create(
            actor=_finance(org),
            order=order,
            quantities={order.lines.get().pk: D("2")},
            reason="Dented 磕碰",
        )
    result = _compute(org)
    assert result.updated == 1
    after = _rows(org)[order.customer_id]
    assert after.pk == first.pk
    # 4 of 6 kettles kept: 1194.00 × 4 / 6 = 796 net, 10 % of it.
    assert (after.quantity, after.net_amount, after.amount) == (D("4"), D("796"), D("79.60"))
    line = after.explanation["lines"][0]
    assert (line["returned"], line["counted_quantity"], line["counted_net_amount"]) == (
        "2",
        "4",
        "796",
    )
    with schema_context(org.schema):
        computed = AuditEntry.objects.filter(action="rebate.computed", target_id=str(first.pk))
        assert [e.data["amount"] for e in computed.order_by("pk")] == ["119.40", "79.60"]


def test_computing_twice_gives_the_same_rows_and_explanation(sales_org):
    org = sales_org
    _rule(org)
    _rule(org, name="All products 全部", product=None, basis="amount", tiers=[(D("100"), D("1"))])
    _bought(org, quantity="6")
    _bought(org, "north", quantity="1", product="toaster")
    first = _compute(org)
    assert first.created == 3
    before = {
        pk: (row.amount, row.basis_total, row.explanation, row.computed_at)
        for pk, row in ((r.pk, r) for r in _rows_all(org))
    }
    with schema_context(org.schema):
        audited = AuditEntry.objects.filter(action="rebate.computed").count()
    again = _compute(org)
    assert (again.created, again.updated, again.withdrawn, again.unchanged) == (0, 0, 0, 3)
    after = {
        pk: (row.amount, row.basis_total, row.explanation, row.computed_at)
        for pk, row in ((r.pk, r) for r in _rows_all(org))
    }
    assert after == before
    with schema_context(org.schema):
        assert AuditEntry.objects.filter(action="rebate.computed").count() == audited


def _rows_all(org):
    with schema_context(org.schema):
        return list(Rebate.objects.order_by("pk"))


def test_an_approved_rebate_posts_once_as_a_credit_note_settling_the_oldest_invoice(sales_org):
    org = sales_org
    factories.webhook_endpoint(org.workspace, event_types=["invoice.issued"])
    rule = _rule(org)
    order = _bought(org, quantity="7")
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=_finance(org), order=order)
        invoice = invoices.invoice_issue(actor=_finance(org), invoice=draft)
    _compute(org)
    rebate = _rows(org)[order.customer_id]
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as early:  # not approved yet
            rebates.rebate_post(actor=_finance(org), rebate=rebate)
        assert early.value.message_dict["status"] == [
            "A rebate that is “Computed” cannot be posted."
        ]
        rebates.rebate_approve(actor=_finance(org), rebate=rebate)
        posted = rebates.rebate_post(actor=_finance(org), rebate=rebate)
        assert posted.status == "posted" and posted.posted_at is not None
        note = Invoice.objects.get(pk=posted.credit_note_id)
        assert (note.kind, note.status, note.gross_total) == ("credit_note", "issued", D("27.86"))
        assert note.number == f"CN-{TODAY.year}-00001"
        assert note.reason == f"Rebate {rule.name} {LAST_START:%Y-%m}"
        entry = LedgerEntry.objects.get(pk=note.entry_id)
        assert (entry.kind, entry.amount, entry.open_amount) == ("credit_note", D("-27.86"), 0)
        invoice.entry.refresh_from_db()
        assert invoice.entry.open_amount == D("1574.09") - D("27.86")
        assert CustomerAccount.objects.get(customer=order.customer).balance == D("1546.23")
        issued = WebhookEvent.objects.filter(event_type="invoice.issued")
        assert [e.payload["number"] for e in issued.order_by("pk")] == [
            invoice.number,
            note.number,
        ]
        with pytest.raises(ValidationError) as twice:
            rebates.rebate_post(actor=_finance(org), rebate=rebate)
        assert twice.value.message_dict["status"] == [
            "This rebate is already posted; its credit note exists."
        ]
        assert Invoice.objects.filter(kind="credit_note").count() == 1
        actions = list(
            AuditEntry.objects.filter(target_type="settlement.rebate")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == ["rebate.computed", "rebate.approved", "rebate.posted"]
        assert ledger.discrepancies() == []
    # Computing again leaves a reviewed rebate alone.
    _bought(org, quantity="10")
    result = _compute(org)
    assert (result.reviewed, result.updated) == (1, 0)
    assert _rows(org)[order.customer_id].amount == D("27.86")


def test_a_rejected_rebate_keeps_its_reason_and_is_not_computed_again(sales_org):
    org = sales_org
    _rule(org)
    order = _bought(org, quantity="5")
    _compute(org)
    rebate = _rows(org)[order.customer_id]
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as no_reason:
            rebates.rebate_reject(actor=_finance(org), rebate=rebate, reason=" ")
        assert no_reason.value.message_dict["reason"] == ["Say why the rebate is rejected."]
        rejected = rebates.rebate_reject(
            actor=_finance(org), rebate=rebate, reason="Agreement ended 协议终止"
        )
        assert (rejected.status, rejected.reject_reason) == ("rejected", "Agreement ended 协议终止")
        assert rejected.reviewed_by == _finance(org)
        with pytest.raises(ValidationError):
            rebates.rebate_approve(actor=_finance(org), rebate=rebate)
    assert _compute(org).reviewed == 1
    assert _rows(org)[order.customer_id].status == "rejected"


def test_only_finance_keeps_rules_computes_and_reviews(sales_org):
    org = sales_org
    for who in ("salesperson", "sales_manager", "executive"):
        with pytest.raises(PermissionDenied):
            _rule(org, actor=org.users[who])
    rule = _rule(org)
    order = _bought(org, quantity="5")
    with pytest.raises(PermissionDenied):
        _compute(org, actor=org.users["salesperson"])
    _compute(org)
    rebate = _rows(org)[order.customer_id]
    with schema_context(org.schema):
        with pytest.raises(PermissionDenied):
            rebates.rebate_rule_update(actor=org.users["sales_manager"], rule=rule, name="Mine")
        for who in ("salesperson", "sales_manager", "executive", "dealer"):
            with pytest.raises(PermissionDenied):
                rebates.rebate_approve(actor=org.users[who], rebate=rebate)
        approved = rebates.rebate_approve(actor=_finance(org), rebate=rebate)
        with pytest.raises(PermissionDenied):
            rebates.rebate_post(actor=org.users["executive"], rebate=approved)
        # Managers and executives read; salespeople do not.
        assert org.users["sales_manager"].has_perm("settlement.view_rebate")
        assert org.users["executive"].has_perm("settlement.view_rebaterule")
        assert not org.users["salesperson"].has_perm("settlement.view_rebate")
        assert Rebate.objects.get(pk=rebate.pk).status == "approved"


def test_another_workspace_sees_and_touches_none_of_it(sales_org, beta_sales_org):
    org, beta = sales_org, beta_sales_org
    _rule(org, product=None)
    _bought(org, quantity="5")
    _bought(beta, quantity="50")
    _compute(org)
    (rebate,) = _rows(org).values()
    with schema_context(beta.schema):
        assert not RebateRule.objects.exists() and not Rebate.objects.exists()
        assert list(rebates.rebate_list(_finance(beta))) == []
        assert list(rebates.rebate_rules()) == []
        with pytest.raises(PermissionDenied):  # the same id is nobody's here
            rebates.rebate_approve(actor=_finance(beta), rebate=rebate)
    assert _compute(beta).changed == 0
    with schema_context(org.schema):
        assert Rebate.objects.get().amount == rebate.amount  # beta's 50 kettles count nowhere


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"tiers": [(D("10"), D("2")), (D("5"), D("3"))]},
            "tiers",
            "Tier thresholds must rise from one tier to the next: 5 follows 10.",
        ),
        (
            {"tiers": [(D("1"), D("100.01"))]},
            "tiers",
            "A percentage rate cannot be more than 100 (100.01).",
        ),
        ({"tiers": []}, "tiers", "Add at least one tier."),
        ({"tiers": [("x", "1")]}, "tiers", "Give each tier a threshold and a rate, as numbers."),
        ({"basis": "weight"}, "basis", "Choose quantity or net amount as the basis."),
        (
            {"valid_to": LAST_START - datetime.timedelta(days=500)},
            "valid_to",
            "The rule cannot end before it starts.",
        ),
        ({"name": "  "}, "name", "Give the rule a name."),
    ],
)
def test_bad_rules_are_refused_whole(sales_org, fields, field, message):
    org = sales_org
    with pytest.raises(ValidationError) as refused:
        _rule(org, **fields)
    assert refused.value.message_dict[field] == [message]
    with schema_context(org.schema):
        assert not RebateRule.objects.exists() and not RebateTier.objects.exists()


def test_a_customer_and_a_group_together_are_refused(sales_org):
    org = sales_org
    with pytest.raises(ValidationError) as refused:
        _rule(org, customer=org.customers["rep_own"], customer_group=org.groups["tier1"])
    assert refused.value.message_dict["customer_group"] == [
        "Choose a customer or a customer group, not both."
    ]
    rule = _rule(org)
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as percent:  # per unit → percent re-checks rates
            rebates.rebate_rule_update(
                actor=_finance(org), rule=rule, reward="percent", tiers=[(D("1"), D("150"))]
            )
        assert percent.value.message_dict["tiers"]
        updated = rebates.rebate_rule_update(
            actor=_finance(org), rule=rule, name="Renamed", tiers=[(D("1"), D("4"))]
        )
        assert updated.name == "Renamed"
        assert list(updated.tiers.values_list("threshold", "rate")) == [(D("1"), D("4"))]
        assert RebateRule.objects.count() == 1
    with pytest.raises(ValidationError) as ahead:
        _compute(org, period_end=TODAY.replace(day=1) + datetime.timedelta(days=40))
    assert "period_end" in ahead.value.message_dict
    with pytest.raises(ValidationError):  # not the last day of a month
        _compute(org, period_end=LAST_START)


def test_periods_of_a_quarter_or_a_year_end_with_them():
    assert rebates.period_of("quarter", datetime.date(2026, 11, 30)) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 12, 31),
    )
    assert rebates.period_of("month", datetime.date(2024, 2, 10))[1] == datetime.date(2024, 2, 29)
    assert rebates.period_label("quarter", datetime.date(2026, 10, 1)) == "2026-Q4"
    assert rebates.period_label("year", datetime.date(2026, 1, 1)) == "2026"
    assert rebates.last_period_end(datetime.date(2027, 1, 1)) == datetime.date(2026, 12, 31)


def test_the_monthly_task_computes_last_month_in_its_workspace(sales_org):
    org = sales_org
    entry = settings.CELERY_BEAT_SCHEDULE["settlement-rebates-compute"]
    assert entry["task"] == tasks.rebates_compute_due.name
    assert "tenant_schemas" not in entry  # once in every workspace
    _rule(org)
    _rule(org, name="Quarterly 季度", period="quarter")
    order = _bought(org, quantity="5")
    with schema_context(org.schema):
        assert tasks.rebates_compute_due() == 1 + (LAST_END.month % 3 == 0)
        assert tasks.rebates_compute_due() == 0  # idempotent
        rebate = Rebate.objects.filter(rule__period="month").get()
        assert (rebate.customer_id, rebate.amount) == (order.customer_id, D("19.90"))
        assert rebate.computed_at <= timezone.now()
        assert AuditEntry.objects.filter(action="rebate.computed").first().actor is None


def test_the_rebate_list_reads_in_a_fixed_number_of_queries(sales_org):
    org = sales_org
    _rule(org, product=None, tiers=[(D("1"), D("1"))])
    _bought(org, quantity="1")
    _compute(org)
    with schema_context(org.schema):
        with count_queries() as few:
            rows = [
                (r.rule.name, r.customer.name, r.credit_note)
                for r in rebates.rebate_list(_finance(org))
            ]
        assert len(rows) == 1
    for name in ("north", "region_only", "hangzhou_unowned"):
        _bought(org, name, quantity="1")
    _compute(org)
    with schema_context(org.schema):
        with count_queries() as many:
            rows = [
                (r.rule.name, r.customer.name, r.credit_note)
                for r in rebates.rebate_list(_finance(org))
            ]
        assert len(rows) == 4
    # The actor's scope, then one query for the rows, however many there are.
    assert len(many) == len(few) <= 3


def test_the_demo_seeds_a_rule_and_computes_last_month_once(sales_org):
    org = sales_org
    with schema_context(org.schema):
        made = seed_rebates(actor=org.owner)
        assert made >= 1
        assert RebateRule.objects.get().tiers.count() == 2
        assert set(Rebate.objects.values_list("period_end", flat=True)) == {LAST_END}
        assert seed_rebates(actor=org.owner) == 0
        assert Rebate.objects.count() == made
