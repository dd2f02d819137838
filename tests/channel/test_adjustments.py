"""Price adjustments (调价补差): the dealers' quantities on both bases computed exactly,
the review → post → credit life with its permissions per role, dealers' stock reports,
and posting exactly once when two people post at the same moment."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Subscription
from tests.support.settlement import settlement_rows_delete
from tradepost.audit.models import AuditEntry
from tradepost.channel import adjustments, stock
from tradepost.channel.models import DealerStockReport, PriceAdjustment, PriceAdjustmentLine
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.sales import orders
from tradepost.sales.models import Order, SettlementCredit

S = PriceAdjustment.Status
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _franchise(org, **fields) -> Customer:
    """A second reseller, in the Shanghai salesperson's (and the East manager's) scope."""
    fields = {
        "name": "Franchise East 华东加盟",
        "code": "FR-1",
        "channel": "franchise",
        "owner": org.users["salesperson"],
        "branch": org.branches["shanghai"],
        **fields,
    }
    return customer_services.customer_create(actor=org.owner, **fields)


def _report(org, dealer, quantity, as_of, product="kettle"):
    return stock.stock_report_create(
        actor=org.owner,
        dealer=dealer,
        product=org.products[product],
        quantity=Decimal(quantity),
        as_of=as_of,
    )


def _delivered(org, customer, quantity, on_day, *, currency=None, unit_price=None, returned=None):
    """An order of kettles for `customer` taken through its whole life by the people who
    do each step, delivered (its delivery stamped) at noon of `on_day`."""
    line = {"product": org.products["kettle"], "quantity": Decimal(quantity)}
    if unit_price is not None:
        line["unit_price"] = unit_price
    seller = org.users["dealer"] if customer.portal_user_id else org.owner
    order = orders.order_create(actor=seller, customer=customer, lines=[line], currency=currency)
    order = orders.order_submit(actor=seller, order=order)
    order = orders.order_approve(actor=org.owner, order=order)
    order = orders.order_confirm(actor=org.owner, order=order)
    order = orders.order_ship(actor=org.users["warehouse_manager"], order=order)
    order = orders.order_deliver(actor=org.users["warehouse_manager"], order=order)
    if returned is not None:
        orders.order_return_create(
            actor=org.users["finance_manager"],
            order=order,
            quantities={order.lines.get().pk: Decimal(returned)},
            reason="Dented",
        )
    noon = datetime.datetime.combine(on_day, datetime.time(12))
    Order.objects.filter(pk=order.pk).update(delivered_at=timezone.make_aware(noon))
    return order


def _create(org, who="sales_manager", **kwargs):
    kwargs = {
        "product": org.products["kettle"],
        "new_price": Decimal("149.99"),
        "effective_on": TODAY,
        "basis": PriceAdjustment.Basis.REPORTED_STOCK,
        **kwargs,
    }
    actor = org.owner if who == "owner" else org.users[who]
    return adjustments.price_adjustment_create(actor=actor, **kwargs)


def _lines(adjustment) -> dict[int, tuple[Decimal, Decimal, str]]:
    return {
        line.dealer_id: (line.quantity, line.amount, line.source) for line in adjustment.lines.all()
    }


# --- Reported stock ------------------------------------------------------------------
def test_reported_stock_takes_each_dealers_latest_report_and_rounds_half_up(sales_org):
    org = sales_org
    effective = TODAY - 3 * DAY
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        _report(org, dealer, "12", effective - 5 * DAY)
        _report(org, dealer, "7.5", effective - 2 * DAY)  # the latest on or before: counts
        _report(org, dealer, "99", effective + 2 * DAY)  # after the change: not counted
        _report(org, dealer, "40", effective, product="toaster")  # another product
        _report(org, franchise, "3.333", effective)  # on the day itself counts

        adjustment = _create(org, effective_on=effective)

        # 199.00 − 149.99 = 49.01 a unit
        assert adjustment.old_price == Decimal("199.00")
        assert adjustment.currency == "CNY"
        assert _lines(adjustment) == {
            dealer.pk: (
                Decimal("7.500"),
                Decimal("367.58"),  # 367.575 → half up
                f"stock report {(effective - 2 * DAY).isoformat()}",
            ),
            franchise.pk: (
                Decimal("3.333"),
                Decimal("163.35"),  # 163.35033
                f"stock report {effective.isoformat()}",
            ),
        }
        line = adjustment.lines.get(dealer=dealer)
        assert line.unit_difference == Decimal("49.01")
        assert adjustment.total == Decimal("530.93")
        assert adjustment.status == S.DRAFT
        assert adjustment.number == f"PA-{TODAY.year}-00001"


def test_reports_older_than_ninety_days_and_inactive_dealers_are_left_out(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        closed = _franchise(org, name="Closed 已关闭", code="FR-2")
        _report(org, dealer, "10", TODAY - 90 * DAY)  # exactly 90 days: still counts
        _report(org, franchise, "10", TODAY - 91 * DAY)  # too old
        _report(org, closed, "10", TODAY)
        customer_services.customer_update(actor=org.owner, customer=closed, is_active=False)

        adjustment = _create(org)

        assert set(_lines(adjustment)) == {dealer.pk}
        assert adjustment.total == Decimal("490.10")


def test_no_reports_make_an_adjustment_without_lines(sales_org):
    with schema_context(sales_org.workspace.schema):
        adjustment = _create(sales_org)
        assert adjustment.lines.count() == 0
        assert adjustment.total == Decimal("0.00")


# --- Deliveries ----------------------------------------------------------------------
def test_deliveries_in_the_window_count_net_of_returns_in_the_currency(sales_org):
    org = sales_org
    effective = TODAY
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        _delivered(org, dealer, "5", effective - 10 * DAY, returned="1")  # 4 count
        _delivered(org, dealer, "2", effective - 30 * DAY)  # first day of the window
        _delivered(org, dealer, "7", effective - 31 * DAY)  # before the window
        _delivered(org, dealer, "9", effective)  # on the day of the change: after
        _delivered(
            org, dealer, "6", effective - 3 * DAY, currency="USD", unit_price=Decimal("25.00")
        )
        _delivered(org, franchise, "1.5", effective - 1 * DAY)
        _delivered(org, org.customers["rep_own"], "8", effective - 2 * DAY)  # not a dealer

        adjustment = _create(
            org, basis=PriceAdjustment.Basis.DELIVERIES, window_days=30, new_price=Decimal("189.00")
        )

        first, last = (effective - 30 * DAY).isoformat(), (effective - DAY).isoformat()
        window = f"deliveries {first} → {last}"
        assert _lines(adjustment) == {
            dealer.pk: (Decimal("6.000"), Decimal("60.00"), window),
            franchise.pk: (Decimal("1.500"), Decimal("15.00"), window),
        }
        assert adjustment.total == Decimal("75.00")


def test_deliveries_in_another_currency_count_for_an_adjustment_in_that_currency(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer = org.customers["dealer"]
        _delivered(org, dealer, "6", TODAY - 3 * DAY, currency="USD", unit_price=Decimal("25.00"))
        _delivered(org, dealer, "4", TODAY - 3 * DAY)

        adjustment = _create(
            org,
            basis=PriceAdjustment.Basis.DELIVERIES,
            currency="USD",
            old_price=Decimal("25.00"),
            new_price=Decimal("22.50"),
            window_days=7,
        )

        assert _lines(adjustment)[dealer.pk][:2] == (Decimal("6.000"), Decimal("15.00"))
        assert adjustment.currency == "USD"


def test_a_fully_returned_delivery_gives_no_line(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _delivered(org, org.customers["dealer"], "3", TODAY - 2 * DAY, returned="3")
        adjustment = _create(org, basis=PriceAdjustment.Basis.DELIVERIES)
        assert adjustment.lines.count() == 0


# --- Bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"new_price": Decimal("199.00")}, "new_price"),  # not a drop
        ({"new_price": Decimal("250")}, "new_price"),
        ({"new_price": Decimal("-1")}, "new_price"),
        ({"new_price": Decimal("1.005")}, "new_price"),
        ({"old_price": Decimal("100"), "new_price": Decimal("120")}, "new_price"),
        ({"basis": "rumour"}, "basis"),
        ({"window_days": 0}, "window_days"),
        ({"window_days": 400}, "window_days"),
        ({"currency": "XXX"}, "currency"),
        ({"currency": "USD"}, "old_price"),  # the list price is in CNY
        ({"effective_on": datetime.date(1999, 12, 31)}, "effective_on"),
        ({"effective_on": TODAY + 367 * DAY}, "effective_on"),
        (
            {"old_price": Decimal("999999999999.99"), "new_price": Decimal("0")},
            "new_price",
        ),  # too much owed
        ({"product": None}, "product"),
        ({"apply_to_product": True, "effective_on": TODAY + DAY}, "apply_to_product"),
        (
            {"apply_to_product": True, "currency": "USD", "old_price": Decimal("300")},
            "apply_to_product",
        ),
    ],
)
def test_bad_adjustments_are_refused_with_the_field_and_nothing_is_written(
    sales_org, changes, field
):
    with schema_context(sales_org.workspace.schema):
        _report(sales_org, sales_org.customers["dealer"], "5", TODAY)

        with pytest.raises(ValidationError) as refused:
            _create(sales_org, **changes)

        assert field in refused.value.message_dict
        assert PriceAdjustment.objects.count() == 0
        assert not DocumentSequence.objects.filter(key="price_adjustment").exists()
        assert Product.objects.get(pk=sales_org.products["kettle"].pk).list_price == Decimal(
            "199.00"
        )


def test_applying_the_new_price_changes_the_products_list_price(sales_org):
    with schema_context(sales_org.workspace.schema):
        adjustment = _create(sales_org, apply_to_product=True)

        product = Product.objects.get(pk=sales_org.products["kettle"].pk)
        assert product.list_price == Decimal("149.99")
        assert adjustment.old_price == Decimal("199.00")
        assert AuditEntry.objects.filter(
            action="product.updated", target_id=str(product.pk)
        ).exists()


# --- The life of an adjustment ---------------------------------------------------------
def test_review_correct_approve_and_post_credits_each_dealer_once(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        _report(org, dealer, "10", TODAY)
        adjustment = _create(org)
        manager = org.users["sales_manager"]

        # the manager sees the franchisee (East), adds its stock found on a visit
        adjustment = adjustments.price_adjustment_line_set(
            actor=manager, adjustment=adjustment, dealer=franchise, quantity=Decimal("2")
        )
        assert adjustment.total == Decimal("588.12")  # (10 + 2) × 49.01
        # the Beijing dealer is not in the East manager's scope
        with pytest.raises(ValidationError) as out_of_scope:
            adjustments.price_adjustment_line_set(
                actor=manager, adjustment=adjustment, dealer=dealer, quantity=Decimal("1")
            )
        assert "dealer" in out_of_scope.value.message_dict

        finance = org.users["finance_manager"]
        adjustment = adjustments.price_adjustment_approve(actor=finance, adjustment=adjustment)
        assert adjustment.status == S.APPROVED and adjustment.reviewed_by == finance
        with pytest.raises(ValidationError):
            adjustments.price_adjustment_line_set(
                actor=manager, adjustment=adjustment, dealer=franchise, quantity=Decimal("5")
            )

        adjustment = adjustments.price_adjustment_post(actor=finance, adjustment=adjustment)

        assert adjustment.status == S.POSTED and adjustment.posted_at is not None
        credits = {
            credit.customer_id: credit
            for credit in SettlementCredit.objects.filter(price_adjustment=adjustment)
        }
        assert {k: c.amount for k, c in credits.items()} == {
            dealer.pk: Decimal("490.10"),
            franchise.pk: Decimal("98.02"),
        }
        credit = credits[dealer.pk]
        # Settlement turned each credit into an issued credit note on the dealer's account.
        assert credit.currency == "CNY" and credit.status == SettlementCredit.Status.SETTLED
        note = credit.credit_notes.get()
        assert (note.status, note.kind, note.gross_total) == (
            "issued",
            "credit_note",
            credit.amount,
        )
        assert note.entry.amount == -credit.amount
        assert adjustment.number in credit.reason and "KT-1" in credit.reason

        with pytest.raises(ValidationError) as again:
            adjustments.price_adjustment_post(actor=finance, adjustment=adjustment)
        assert "already posted" in str(again.value)
        with pytest.raises(ValidationError):
            adjustments.price_adjustment_cancel(actor=finance, adjustment=adjustment)
        assert SettlementCredit.objects.filter(price_adjustment=adjustment).count() == 2

        actions = list(
            AuditEntry.objects.filter(
                target_id=str(adjustment.pk), action__startswith="price_adjustment."
            )
            .order_by("pk")
            .values_list("action", "data")
        )
        assert [action for action, _ in actions] == [
            "price_adjustment.created",
            "price_adjustment.line_set",
            "price_adjustment.approved",
            "price_adjustment.posted",
        ]
        assert actions[1][1]["dealer"] == franchise.pk
        assert actions[1][1]["quantity_before"] is None and actions[1][1]["quantity"] == "2.000"


def test_a_line_is_corrected_and_removed_and_the_total_follows(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer = org.customers["dealer"]
        _report(org, dealer, "10", TODAY)
        adjustment = _create(org, who="owner")

        adjustment = adjustments.price_adjustment_line_set(
            actor=org.owner, adjustment=adjustment, dealer=dealer, quantity=Decimal("4")
        )
        line = adjustment.lines.get()
        assert (line.quantity, line.amount, adjustment.total) == (
            Decimal("4.000"),
            Decimal("196.04"),
            Decimal("196.04"),
        )
        assert line.source.startswith("set in review by")

        adjustment = adjustments.price_adjustment_line_set(
            actor=org.owner, adjustment=adjustment, dealer=dealer, quantity=Decimal("0")
        )
        assert adjustment.lines.count() == 0 and adjustment.total == Decimal("0.00")

        for quantity in (Decimal("-1"), Decimal("1.0001")):
            with pytest.raises(ValidationError) as bad:
                adjustments.price_adjustment_line_set(
                    actor=org.owner, adjustment=adjustment, dealer=dealer, quantity=quantity
                )
            assert "quantity" in bad.value.message_dict
        with pytest.raises(ValidationError) as not_dealer:
            adjustments.price_adjustment_line_set(
                actor=org.owner,
                adjustment=adjustment,
                dealer=org.customers["rep_own"],
                quantity=Decimal("1"),
            )
        assert "dealer" in not_dealer.value.message_dict


def test_recompute_picks_up_new_reports_on_a_draft_only(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer = org.customers["dealer"]
        adjustment = _create(org)
        _report(org, dealer, "2", TODAY)

        adjustment = adjustments.price_adjustment_recompute(
            actor=org.users["sales_manager"], adjustment=adjustment
        )

        assert adjustment.total == Decimal("98.02")
        assert _lines(adjustment)[dealer.pk][0] == Decimal("2.000")
        adjustment = adjustments.price_adjustment_approve(
            actor=org.users["sales_manager"], adjustment=adjustment
        )
        with pytest.raises(ValidationError):
            adjustments.price_adjustment_recompute(actor=org.owner, adjustment=adjustment)


@pytest.mark.parametrize("approve_first", [False, True])
def test_a_draft_or_approved_adjustment_is_cancelled_and_then_cannot_be_posted(
    sales_org, approve_first
):
    org = sales_org
    with schema_context(org.workspace.schema):
        _report(org, org.customers["dealer"], "10", TODAY)
        adjustment = _create(org)
        if approve_first:
            adjustment = adjustments.price_adjustment_approve(
                actor=org.users["finance_manager"], adjustment=adjustment
            )

        adjustment = adjustments.price_adjustment_cancel(
            actor=org.users["finance_manager"], adjustment=adjustment, reason="Price stays"
        )

        assert adjustment.status == S.CANCELLED
        with pytest.raises(ValidationError):
            adjustments.price_adjustment_post(
                actor=org.users["finance_manager"], adjustment=adjustment
            )
        with pytest.raises(ValidationError):
            adjustments.price_adjustment_approve(actor=org.owner, adjustment=adjustment)
        assert not SettlementCredit.objects.exists()


def test_a_draft_cannot_be_posted_before_review(sales_org):
    with schema_context(sales_org.workspace.schema):
        _report(sales_org, sales_org.customers["dealer"], "10", TODAY)
        adjustment = _create(sales_org)
        with pytest.raises(ValidationError) as refused:
            adjustments.price_adjustment_post(
                actor=sales_org.users["finance_manager"], adjustment=adjustment
            )
        assert "status" in refused.value.message_dict
        assert not SettlementCredit.objects.exists()


# --- Permissions per role --------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("sales_manager", {"create", "approve", "cancel"}),
        ("finance_manager", {"approve", "post", "cancel"}),
        ("salesperson", set()),
        ("executive", set()),
        ("dealer", set()),
        ("warehouse_manager", set()),
        ("customer_information_manager", set()),
        ("owner", {"create", "approve", "post", "cancel"}),
    ],
)
def test_who_may_create_approve_post_and_cancel(sales_org, role, may):
    org = sales_org
    actor = org.owner if role == "owner" else org.users[role]
    with schema_context(org.workspace.schema):
        _report(org, org.customers["dealer"], "10", TODAY)

        def attempt(step, call):
            try:
                result = call()
            except PermissionDenied:
                assert step not in may, f"{role} should {step}"
                return None
            assert step in may, f"{role} should not {step}"
            return result

        attempt("create", lambda: _create(org, who=role))
        draft = _create(org, who="owner")
        approved = attempt(
            "approve", lambda: adjustments.price_adjustment_approve(actor=actor, adjustment=draft)
        )
        if approved is None:
            approved = adjustments.price_adjustment_approve(actor=org.owner, adjustment=draft)
        attempt("post", lambda: adjustments.price_adjustment_post(actor=actor, adjustment=approved))
        other = _create(org, who="owner")
        attempt(
            "cancel", lambda: adjustments.price_adjustment_cancel(actor=actor, adjustment=other)
        )


def test_a_salesperson_cannot_correct_or_recompute(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        adjustment = _create(org)
        franchise = _franchise(org)
        with pytest.raises(PermissionDenied):
            adjustments.price_adjustment_line_set(
                actor=org.users["salesperson"], adjustment=adjustment, dealer=franchise, quantity=1
            )
        with pytest.raises(PermissionDenied):
            adjustments.price_adjustment_recompute(
                actor=org.users["finance_manager"], adjustment=adjustment
            )
        with pytest.raises(PermissionDenied):
            adjustments.price_adjustment_create(
                actor=org.users["finance_manager"],
                product=org.products["kettle"],
                new_price=Decimal("1"),
                effective_on=TODAY,
                basis="reported_stock",
            )


def test_applying_the_price_needs_the_product_permission(sales_org, make_user):
    org = sales_org
    with schema_context(org.workspace.schema):
        # a custom role that may prepare adjustments but not keep the product file
        user = make_user(org.workspace, "salesperson", email="pricing@alpha.test")
        group = Group.objects.create(name="pricing clerk")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="channel", codename="add_priceadjustment"
            )
        )
        user.groups.add(group)
        user = type(user).objects.get(pk=user.pk)

        with pytest.raises(PermissionDenied):
            adjustments.price_adjustment_create(
                actor=user,
                product=org.products["kettle"],
                new_price=Decimal("150"),
                effective_on=TODAY,
                basis="reported_stock",
                apply_to_product=True,
            )
        assert PriceAdjustment.objects.count() == 0


def test_a_read_only_workspace_refuses_every_write(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _report(org, org.customers["dealer"], "10", TODAY)
        draft = _create(org)
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(PermissionDenied):
            _create(org)
        with pytest.raises(PermissionDenied):
            _report(org, org.customers["dealer"], "3", TODAY)
        with pytest.raises(PermissionDenied):
            adjustments.price_adjustment_approve(actor=org.owner, adjustment=draft)
        assert PriceAdjustment.objects.get().status == S.DRAFT
        assert DealerStockReport.objects.get().quantity == Decimal("10.000")


# --- Stock reports ---------------------------------------------------------------------
def test_a_dealer_reports_its_own_stock_and_a_second_report_that_day_replaces_it(sales_org):
    org = sales_org
    dealer_user = org.users["dealer"]
    with schema_context(org.workspace.schema):
        first = stock.stock_report_create(
            actor=dealer_user,
            dealer=org.customers["dealer"],
            product=org.products["kettle"],
            quantity=Decimal("12"),
        )
        assert first.replaced_quantity is None
        second = stock.stock_report_create(
            actor=dealer_user,
            dealer=org.customers["dealer"],
            product=org.products["kettle"],
            quantity=Decimal("9.5"),
            as_of=TODAY,
        )

        assert second.pk == first.pk and second.replaced_quantity == Decimal("12.000")
        report = DealerStockReport.objects.get()
        assert (report.quantity, report.as_of, report.reported_by) == (
            Decimal("9.500"),
            TODAY,
            dealer_user,
        )
        audit = AuditEntry.objects.filter(action="dealer_stock.reported").order_by("pk")
        assert [entry.data.get("replaced") for entry in audit] == [None, "12.000"]


@pytest.mark.parametrize(
    ("who", "dealer", "changes", "error"),
    [
        ("dealer", "north", {}, "dealer"),  # not its own record
        ("dealer", "franchise", {}, "dealer"),
        ("salesperson", "dealer", {}, "dealer"),  # the Beijing dealer is not theirs
        ("owner", "rep_own", {}, "dealer"),  # a direct customer holds no resale stock
        ("owner", "dealer", {"as_of": TODAY + DAY}, "as_of"),
        ("owner", "dealer", {"as_of": datetime.date(1999, 12, 31)}, "as_of"),
        ("owner", "dealer", {"quantity": Decimal("-1")}, "quantity"),
        ("owner", "dealer", {"quantity": Decimal("1.0005")}, "quantity"),
        ("owner", "dealer", {"product": None}, "product"),
    ],
)
def test_bad_stock_reports_are_refused_with_the_field(sales_org, who, dealer, changes, error):
    org = sales_org
    actor = org.owner if who == "owner" else org.users[who]
    with schema_context(org.workspace.schema):
        customers = {**org.customers, "franchise": _franchise(org)}
        kwargs = {
            "dealer": customers[dealer],
            "product": org.products["kettle"],
            "quantity": Decimal("5"),
            **changes,
        }
        with pytest.raises(ValidationError) as refused:
            stock.stock_report_create(actor=actor, **kwargs)
        assert error in refused.value.message_dict
        assert not DealerStockReport.objects.exists()


@pytest.mark.parametrize("role", ["warehouse_manager", "executive", "finance_manager"])
def test_roles_without_the_permission_cannot_report_stock(sales_org, role):
    with schema_context(sales_org.workspace.schema), pytest.raises(PermissionDenied):
        stock.stock_report_create(
            actor=sales_org.users[role],
            dealer=sales_org.customers["dealer"],
            product=sales_org.products["kettle"],
            quantity=Decimal("1"),
        )


def test_a_salesperson_reports_for_a_dealer_in_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        franchise = _franchise(org)
        report = stock.stock_report_create(
            actor=org.users["salesperson"],
            dealer=franchise,
            product=org.products["toaster"],
            quantity=Decimal("3"),
            as_of=TODAY - DAY,
        )
        assert report.reported_by == org.users["salesperson"]


def test_the_latest_stock_list_shows_one_row_per_dealer_and_product_in_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        _report(org, dealer, "1", TODAY - 5 * DAY)
        _report(org, dealer, "2", TODAY - DAY)
        _report(org, dealer, "3", TODAY - DAY, product="toaster")
        _report(org, franchise, "4", TODAY)

        everything = [
            (r.dealer_id, r.product.sku, r.quantity) for r in stock.latest_stock_reports(org.owner)
        ]
        own = [r.quantity for r in stock.latest_stock_reports(org.users["dealer"])]

        assert everything == [
            (franchise.pk, "KT-1", Decimal("4.000")),
            (dealer.pk, "KT-1", Decimal("2.000")),
            (dealer.pk, "TS-1", Decimal("3.000")),
        ]
        assert own == [Decimal("2.000"), Decimal("3.000")]


def test_lines_shown_follow_the_viewers_customer_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        dealer, franchise = org.customers["dealer"], _franchise(org)
        _report(org, dealer, "1", TODAY)
        _report(org, franchise, "1", TODAY)
        adjustment = _create(org)

        def seen(who):
            actor = org.owner if who == "owner" else org.users[who]
            found = adjustments.price_adjustments_with_lines(actor).get(pk=adjustment.pk)
            return {line.dealer_id for line in found.lines.all()}

        assert seen("owner") == seen("finance_manager") == {dealer.pk, franchise.pk}
        assert seen("sales_manager") == seen("salesperson") == {franchise.pk}
        assert seen("north_rep") == {dealer.pk}


# --- Posting at the same moment --------------------------------------------------------
@pytest.fixture
def committed_approved(platform_workspaces, django_db_blocker):
    """An approved adjustment with two dealers' lines, committed in alpha so that other
    connections see it; every row and audit entry made is removed afterwards and the
    numbering sequence is left as it was."""
    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            sequence = DocumentSequence.objects.filter(key="price_adjustment", year=TODAY.year)
            last_number = sequence.values_list("last_number", flat=True).first()
            product = md.product_create(
                actor=owner, sku="RACE-PA", name="Race kettle", list_price=Decimal("100.00")
            )
            dealers = [
                customer_services.customer_create(
                    actor=owner, name=f"Race dealer {i}", code=f"RACE-D{i}", channel="dealer"
                )
                for i in (1, 2)
            ]
            for index, dealer in enumerate(dealers, start=1):
                stock.stock_report_create(
                    actor=owner, dealer=dealer, product=product, quantity=Decimal(index * 10)
                )
            adjustment = adjustments.price_adjustment_create(
                actor=owner,
                product=product,
                new_price=Decimal("90.00"),
                effective_on=TODAY,
                basis=PriceAdjustment.Basis.REPORTED_STOCK,
            )
            adjustment = adjustments.price_adjustment_approve(actor=owner, adjustment=adjustment)
        connection.set_schema_to_public()
        yield workspace, owner, adjustment
        with schema_context(workspace.schema):
            settlement_rows_delete(d.pk for d in dealers)
            SettlementCredit.objects.filter(price_adjustment=adjustment).delete()
            PriceAdjustmentLine.objects.filter(adjustment=adjustment).delete()
            PriceAdjustment.objects.filter(pk=adjustment.pk).delete()
            DealerStockReport.objects.filter(product=product).delete()
            Customer.objects.filter(pk__in=[d.pk for d in dealers]).delete()
            Product.objects.filter(pk=product.pk).delete()
            if last_number is None:
                sequence.delete()
            else:
                sequence.update(last_number=last_number)
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
        connection.set_schema_to_public()


def test_two_posts_at_the_same_moment_credit_the_dealers_once(committed_approved):
    workspace, owner, adjustment = committed_approved
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def post(index):
        try:
            with schema_context(workspace.schema):
                barrier.wait()
                outcomes[index] = adjustments.price_adjustment_post(
                    actor=owner, adjustment=adjustment
                )
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    posted = [o for o in outcomes if isinstance(o, PriceAdjustment)]
    assert len(posted) == 1 and posted[0].status == S.POSTED, outcomes
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    assert "already posted" in str(errors[0])
    with schema_context(workspace.schema):
        amounts = sorted(
            SettlementCredit.objects.filter(price_adjustment=adjustment).values_list(
                "amount", flat=True
            )
        )
        assert amounts == [Decimal("100.00"), Decimal("200.00")]
        assert (
            AuditEntry.objects.filter(
                action="price_adjustment.posted", target_id=str(adjustment.pk)
            ).count()
            == 1
        )
    connection.set_schema_to_public()
