"""Dealers' monthly demand plans: saving (create or replace) with its rules, the review
(submit → accept | return), who may do what, and the month's aggregate of plans
against what the dealers actually ordered."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from billing.access import WorkspaceReadOnly
from billing.models import Subscription
from tradepost.audit.models import AuditEntry
from tradepost.channel import plans
from tradepost.channel.models import DemandPlan, DemandPlanLine
from tradepost.channel.months import month_parse
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.sales import orders

S = DemandPlan.Status


def _next() -> datetime.date:
    return plans.next_month()


def _lines(org, kettle="10", toaster=None):
    lines = [{"product": org.products["kettle"], "quantity": Decimal(kettle)}]
    if toaster is not None:
        lines.append({"product": org.products["toaster"], "quantity": Decimal(toaster)})
    return lines


def _save(org, who="dealer", dealer="dealer", month=None, **kwargs):
    actor = org.owner if who == "owner" else org.users[who]
    kwargs.setdefault("lines", _lines(org))
    return plans.demand_plan_save(
        actor=actor,
        dealer=org.customers[dealer] if isinstance(dealer, str) else dealer,
        month=month or _next(),
        **kwargs,
    )


def _second_dealer(org, name="Franchise 加盟店", owner="north_rep"):
    return customer_services.customer_create(
        actor=org.owner,
        name=name,
        channel="franchise",
        owner=org.users[owner],
        branch=org.branches["beijing"],
    )


# --- Saving --------------------------------------------------------------------------
def test_a_dealer_saves_its_plan_for_next_month_normalised_to_the_first_day(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        month = _next()
        plan = _save(
            org,
            month=month.replace(day=17),
            lines=_lines(org, kettle="12.5", toaster="3"),
            notes="Spring festival stock",
        )

        assert plan.created_now is True
        assert plan.month == month
        assert (plan.status, plan.dealer, plan.notes) == (
            S.DRAFT,
            org.customers["dealer"],
            "Spring festival stock",
        )
        assert plan.created_by == org.users["dealer"]
        assert dict(plan.lines.values_list("product__sku", "quantity")) == {
            "KT-1": Decimal("12.500"),
            "TS-1": Decimal("3.000"),
        }
        entry = AuditEntry.objects.get(action="demand_plan.created")
        assert entry.target_id == str(plan.pk)
        assert entry.data["month"] == f"{month:%Y-%m}"


def test_saving_again_replaces_the_lines_of_the_same_draft(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        first = _save(org, lines=_lines(org, kettle="10", toaster="2"))
        again = _save(org, who="north_rep", lines=_lines(org, kettle="7"), notes="less")

        assert again.pk == first.pk and again.created_now is False
        assert DemandPlan.objects.count() == 1
        assert list(again.lines.values_list("product__sku", "quantity")) == [
            ("KT-1", Decimal("7.000"))
        ]
        assert DemandPlan.objects.get().notes == "less"
        assert AuditEntry.objects.filter(action="demand_plan.updated").count() == 1


def test_a_dealer_user_cannot_plan_for_another_dealer(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        other = _second_dealer(org)
        with pytest.raises(ValidationError) as refused:
            _save(org, who="dealer", dealer=other)

        assert "dealer" in refused.value.message_dict
        assert DemandPlan.objects.count() == 0


def test_a_salesperson_plans_only_for_dealers_in_their_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _save(org, who="salesperson")  # the dealer belongs to north_rep
        plan = _save(org, who="north_rep")

        assert "dealer" in refused.value.message_dict
        assert plan.created_by == org.users["north_rep"]


def test_only_resellers_have_demand_plans(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _save(org, who="owner", dealer="rep_own")  # a direct customer

        assert refused.value.message_dict["dealer"] == [
            "Demand plans come from dealers and franchisees only."
        ]
        assert DemandPlan.objects.count() == 0


@pytest.mark.parametrize("role", ["warehouse_manager", "finance_manager", "executive"])
def test_roles_without_the_permission_cannot_save_plans(sales_org, role):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(PermissionDenied):
            _save(org, who=role)
        assert DemandPlan.objects.count() == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "Add at least one product."),
        (
            [{"product": "kettle", "quantity": Decimal("0")}],
            "Line 1, quantity: Must be more than zero.",
        ),
        (
            [{"product": "kettle", "quantity": Decimal("-3")}],
            "Line 1, quantity: Must be more than zero.",
        ),
        ([{"product": "kettle", "quantity": Decimal("1.0001")}], "Line 1, quantity"),
        ([{"product": "kettle", "quantity": Decimal("NaN")}], "Line 1, quantity: Enter a number."),
        ([{"product": None, "quantity": Decimal("1")}], "Line 1, product: Select a product."),
        (
            [
                {"product": "kettle", "quantity": Decimal("1")},
                {"product": "kettle", "quantity": Decimal("2")},
            ],
            "Each product once per plan",
        ),
    ],
)
def test_bad_lines_are_refused_whole(sales_org, lines, message):
    org = sales_org
    given = [
        {**line, "product": org.products.get(line["product"]) if line["product"] else None}
        for line in lines
    ]
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _save(org, lines=given)

        assert any(text.startswith(message) for text in refused.value.message_dict["lines"])
        assert DemandPlan.objects.count() == DemandPlanLine.objects.count() == 0


def test_an_inactive_product_cannot_be_planned(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        toaster = md.product_update(
            actor=org.owner, product=org.products["toaster"], is_active=False
        )
        with pytest.raises(ValidationError) as refused:
            _save(org, lines=[{"product": toaster, "quantity": Decimal("1")}])

        assert refused.value.message_dict["lines"] == ["Line 1, product: TS-1 is no longer sold."]


def test_a_past_month_and_a_far_month_are_refused(sales_org):
    org = sales_org
    this_month = plans.current_month()
    with schema_context(org.workspace.schema):
        for month in (
            plans.month_add(this_month, -1),
            plans.month_add(this_month, plans.MAX_MONTHS_AHEAD + 1),
        ):
            with pytest.raises(ValidationError) as refused:
                _save(org, month=month)
            assert "month" in refused.value.message_dict
        assert _save(org, month=this_month).month == this_month  # this month is fine
        assert DemandPlan.objects.count() == 1


def test_a_read_only_workspace_refuses_plans(sales_org):
    org = sales_org
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(WorkspaceReadOnly):
            _save(org)
        assert DemandPlan.objects.count() == 0


# --- Review --------------------------------------------------------------------------
def test_submit_accept_and_the_plan_is_final(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = _save(org)
        plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=plan)
        assert plan.status == S.SUBMITTED and plan.submitted_at is not None

        with pytest.raises(ValidationError) as locked:
            _save(org, lines=_lines(org, kettle="99"))
        assert locked.value.message_dict["status"] == [
            "A demand plan that is “Submitted” cannot be changed."
        ]

        plan = plans.demand_plan_accept(actor=org.owner, plan=plan, comment="OK")
        assert (plan.status, plan.review_comment, plan.reviewed_at is not None) == (
            S.ACCEPTED,
            "OK",
            True,
        )
        with pytest.raises(ValidationError):
            plans.demand_plan_return(actor=org.owner, plan=plan, comment="too late")
        assert [
            e.action
            for e in AuditEntry.objects.filter(action__startswith="demand_plan.").order_by("pk")
        ] == [
            "demand_plan.created",
            "demand_plan.submitted",
            "demand_plan.accepted",
        ]


def test_a_returned_plan_is_corrected_and_submitted_again(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=_save(org))

        with pytest.raises(ValidationError) as no_comment:
            plans.demand_plan_return(actor=org.owner, plan=plan, comment="  ")
        assert "comment" in no_comment.value.message_dict
        plan = plans.demand_plan_return(actor=org.owner, plan=plan, comment="Kettles: max 8")
        assert (plan.status, plan.review_comment) == (S.RETURNED, "Kettles: max 8")

        plan = plans.demand_plan_update(
            actor=org.users["dealer"], plan=plan, lines=_lines(org, kettle="8")
        )
        plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=plan)

        assert plan.status == S.SUBMITTED
        assert plan.lines.get().quantity == Decimal("8.000")


@pytest.mark.parametrize("role", ["dealer", "north_rep", "executive", "finance_manager"])
def test_only_reviewers_accept_or_return(sales_org, role):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=_save(org))
        with pytest.raises(PermissionDenied):
            plans.demand_plan_accept(actor=org.users[role], plan=plan)
        with pytest.raises(PermissionDenied):
            plans.demand_plan_return(actor=org.users[role], plan=plan, comment="no")
        assert DemandPlan.objects.get().status == S.SUBMITTED


def test_a_reviewer_outside_the_dealers_scope_cannot_review(sales_org):
    org = sales_org  # the East sales manager does not cover the Beijing dealer
    with schema_context(org.workspace.schema):
        plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=_save(org))
        with pytest.raises(PermissionDenied):
            plans.demand_plan_accept(actor=org.users["sales_manager"], plan=plan)
        assert DemandPlan.objects.get().status == S.SUBMITTED


def test_a_salesperson_cannot_submit_a_plan_of_a_dealer_they_do_not_see(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = _save(org)
        with pytest.raises(PermissionDenied):
            plans.demand_plan_submit(actor=org.users["salesperson"], plan=plan)
        assert DemandPlan.objects.get().status == S.DRAFT


def test_a_draft_of_a_month_that_is_over_can_no_longer_be_submitted(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        plan = _save(org, month=plans.current_month())
        DemandPlan.objects.filter(pk=plan.pk).update(
            month=plans.month_add(plans.current_month(), -1)
        )
        with pytest.raises(ValidationError) as refused:
            plans.demand_plan_submit(actor=org.users["dealer"], plan=plan)
        assert "month" in refused.value.message_dict


# --- The aggregate -------------------------------------------------------------------
@pytest.fixture
def month_of_plans(sales_org):
    """Next month: the dealer's plan is submitted, a franchisee's accepted, a third
    reseller's is still a draft (not counted). The dealer ordered kettles twice in
    the month (one of the orders cancelled), toasters once the month after, and a
    lamp it never planned."""
    org = sales_org
    month = _next()
    with schema_context(org.workspace.schema):
        franchise = _second_dealer(org)
        drafty = _second_dealer(org, name="Drafty 草稿")
        kettle, toaster, lamp = (org.products[name] for name in ("kettle", "toaster", "usd_lamp"))
        dealer_plan = _save(
            org,
            lines=[
                {"product": kettle, "quantity": Decimal("10")},
                {"product": toaster, "quantity": Decimal("4")},
            ],
        )
        plans.demand_plan_submit(actor=org.users["dealer"], plan=dealer_plan)
        franchise_plan = _save(
            org,
            who="north_rep",
            dealer=franchise,
            lines=[{"product": kettle, "quantity": Decimal("5.5")}],
        )
        plans.demand_plan_submit(actor=org.users["north_rep"], plan=franchise_plan)
        plans.demand_plan_accept(actor=org.owner, plan=franchise_plan)
        _save(
            org,
            who="north_rep",
            dealer=drafty,
            lines=[{"product": toaster, "quantity": Decimal("99")}],
        )

        def order(lines, on):
            return orders.order_create(
                actor=org.users["dealer"],
                customer=org.customers["dealer"],
                lines=lines,
                order_date=on,
                currency="CNY",
            )

        order([{"product": kettle, "quantity": Decimal("6")}], month.replace(day=3))
        cancelled = order([{"product": kettle, "quantity": Decimal("50")}], month.replace(day=9))
        orders.order_cancel(actor=org.owner, order=cancelled, reason="dup")
        order([{"product": toaster, "quantity": Decimal("4")}], plans.month_add(month, 1))
        order(
            [{"product": lamp, "quantity": Decimal("2"), "unit_price": Decimal("30.00")}],
            plans.month_add(month, 1) - datetime.timedelta(days=1),
        )
    return org, month


def test_the_aggregate_adds_submitted_and_accepted_plans_beside_orders(month_of_plans):
    org, month = month_of_plans
    with schema_context(org.workspace.schema):
        result = plans.demand_aggregate(org.owner, month)

        assert (result.month, result.plans, result.dealers) == (month, 2, 2)
        rows = {
            row.product.sku: (row.planned, row.dealers, row.ordered, row.difference)
            for row in result.rows
        }
        assert rows == {
            "KT-1": (Decimal("15.500"), 2, Decimal("6.000"), Decimal("-9.500")),
            "LP-1": (Decimal("0"), 0, Decimal("2.000"), Decimal("2.000")),
            "TS-1": (Decimal("4.000"), 1, Decimal("0"), Decimal("-4.000")),
        }
        assert [row.product.sku for row in result.rows] == ["KT-1", "LP-1", "TS-1"]
        assert result.rows[0].fulfilment == Decimal("38.7")


def test_the_aggregate_keeps_to_the_actors_scope(month_of_plans):
    org, month = month_of_plans
    with schema_context(org.workspace.schema):
        dealer_view = plans.demand_aggregate(org.users["dealer"], month)
        shanghai_rep = plans.demand_aggregate(org.users["salesperson"], month)

        assert (dealer_view.plans, dealer_view.dealers) == (1, 1)
        assert {row.product.sku: row.planned for row in dealer_view.rows}["KT-1"] == Decimal(
            "10.000"
        )
        assert (shanghai_rep.plans, shanghai_rep.rows) == (0, [])
        with pytest.raises(PermissionDenied):
            plans.demand_aggregate(org.users["warehouse_manager"], month)


def test_a_returned_plan_leaves_the_aggregate(month_of_plans):
    org, month = month_of_plans
    with schema_context(org.workspace.schema):
        plan = DemandPlan.objects.get(dealer=org.customers["dealer"])
        plans.demand_plan_return(actor=org.owner, plan=plan, comment="Check toasters")

        result = plans.demand_aggregate(org.owner, month)

        # Only the franchisee's plan is left; the dealer's orders no longer count either.
        assert result.plans == 1
        assert [(row.product.sku, row.planned, row.ordered) for row in result.rows] == [
            ("KT-1", Decimal("5.500"), Decimal("0"))
        ]


def test_a_month_is_read_from_yyyy_mm_or_a_day_and_other_text_is_refused():
    assert month_parse("2026-12") == datetime.date(2026, 12, 1)
    assert month_parse(" 2026-12-17 ") == datetime.date(2026, 12, 1)
    assert month_parse(datetime.date(2026, 12, 17)) == datetime.date(2026, 12, 1)
    for text in ("2026-13", "next month", "", None):
        with pytest.raises(ValidationError) as refused:
            month_parse(text)
        assert refused.value.message_dict == {"month": ["Enter a month as YYYY-MM, e.g. 2026-12."]}
