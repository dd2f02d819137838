"""Master agreements: drawing one up, its life (draft → active → closed), what may
change when, its usage per line — and orders placed under it, which take its prices
and may not pass its caps, also when two orders race for the last units."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.access import WorkspaceReadOnly
from billing.models import Subscription
from tradepost.audit.models import AuditEntry
from tradepost.channel import agreements
from tradepost.channel.models import Agreement, AgreementLine
from tradepost.customers import services as customer_services
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Product
from tradepost.sales import orders
from tradepost.sales.models import Order

A = Agreement.Status
TODAY = timezone.localdate()
YEAR_END = datetime.date(TODAY.year, 12, 31)


def _create(org, who="sales_manager", customer="rep_own", **kwargs):
    actor = org.owner if who == "owner" else org.users[who]
    kwargs.setdefault("name", "2026 framework 年度框架协议")
    kwargs.setdefault("starts_on", TODAY.replace(day=1))
    kwargs.setdefault("ends_on", YEAR_END)
    kwargs.setdefault(
        "lines",
        [
            {
                "product": org.products["kettle"],
                "unit_price": Decimal("150.00"),
                "max_quantity": Decimal("10"),
            },
            {"product": org.products["toaster"], "unit_price": Decimal("220.00")},
        ],
    )
    return agreements.agreement_create(actor=actor, customer=org.customers[customer], **kwargs)


def _active(org, who="sales_manager", **kwargs):
    agreement = _create(org, who=who, **kwargs)
    actor = org.owner if who == "owner" else org.users[who]
    return agreements.agreement_activate(actor=actor, agreement=agreement)


def _order(org, agreement, kettles=Decimal("4"), who="salesperson", **kwargs):
    kwargs.setdefault("lines", [{"product": org.products["kettle"], "quantity": kettles}])
    return orders.order_create(
        actor=org.owner if who == "owner" else org.users[who],
        customer=org.customers["rep_own"],
        agreement=agreement,
        **kwargs,
    )


# --- Drawing one up ------------------------------------------------------------------
def test_a_sales_manager_draws_up_a_numbered_draft(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = _create(org, currency="USD", notes="Signed in Shanghai")

        assert agreement.number == f"MA-{TODAY.year}-00001"
        assert (agreement.status, agreement.currency, agreement.customer) == (
            A.DRAFT,
            "USD",
            org.customers["rep_own"],
        )
        assert agreement.created_by == org.users["sales_manager"]
        lines = {
            line.product.sku: (line.unit_price, line.max_quantity)
            for line in agreement.lines.select_related("product")
        }
        assert lines == {
            "KT-1": (Decimal("150.00"), Decimal("10.000")),
            "TS-1": (Decimal("220.00"), None),
        }
        assert AuditEntry.objects.filter(
            action="agreement.created", target_id=str(agreement.pk)
        ).exists()
        assert _create(org).number == f"MA-{TODAY.year}-00002"


def test_the_currency_defaults_to_the_customers(sales_org):
    with schema_context(sales_org.workspace.schema):
        assert _create(sales_org).currency == sales_org.customers["rep_own"].currency


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        (
            {"ends_on": TODAY.replace(day=1) - datetime.timedelta(days=1)},
            "ends_on",
            "The agreement cannot end before it starts.",
        ),
        ({"currency": "XYZ"}, "currency", "Choose a supported currency."),
        (
            {"lines": [{"product": "kettle", "unit_price": Decimal("-1")}]},
            "lines",
            "Line 1, unit_price: Must be between 0 and 999999999999.99.",
        ),
        (
            {"lines": [{"product": "kettle", "unit_price": Decimal("1.005")}]},
            "lines",
            "Line 1, unit_price: Use at most 2 decimal places.",
        ),
        (
            {"lines": [{"product": "kettle"}]},
            "lines",
            "Line 1, unit_price: Enter the agreed price.",
        ),
        (
            {
                "lines": [
                    {"product": "kettle", "unit_price": Decimal("1"), "max_quantity": Decimal("0")}
                ]
            },
            "lines",
            "Line 1, max_quantity: Must be more than zero.",
        ),
        (
            {"lines": [{"product": None, "unit_price": Decimal("1")}]},
            "lines",
            "Line 1, product: Select a product.",
        ),
        (
            {
                "lines": [
                    {"product": "kettle", "unit_price": Decimal("1")},
                    {"product": "kettle", "unit_price": Decimal("2")},
                ]
            },
            "lines",
            "Each product once per agreement: one price and one cap.",
        ),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_written(
    sales_org, changes, field, message
):
    org = sales_org
    if "lines" in changes:
        changes = {
            "lines": [
                {**line, "product": org.products[line["product"]] if line["product"] else None}
                for line in changes["lines"]
            ]
        }
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _create(org, **changes)

        assert refused.value.message_dict[field] == [message]
        assert Agreement.objects.count() == AgreementLine.objects.count() == 0


@pytest.mark.parametrize("role", ["salesperson", "dealer", "executive", "finance_manager"])
def test_only_agreement_keepers_draw_them_up(sales_org, role):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(PermissionDenied):
            _create(org, who=role)
        assert Agreement.objects.count() == 0


def test_a_customer_out_of_scope_is_refused_like_a_missing_one(sales_org):
    org = sales_org  # the East sales manager does not cover the Beijing customer
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _create(org, customer="north")
        assert refused.value.message_dict["customer"] == ["Select a valid customer."]
        assert Agreement.objects.count() == 0


def test_a_read_only_workspace_refuses_agreements(sales_org):
    org = sales_org
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(WorkspaceReadOnly):
            _create(org)
        assert Agreement.objects.count() == 0


# --- Its life ------------------------------------------------------------------------
def test_a_draft_changes_whole_then_activates_and_closes(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        agreement = _create(org, lines=[])
        with pytest.raises(ValidationError) as empty:
            agreements.agreement_activate(actor=manager, agreement=agreement)
        assert "lines" in empty.value.message_dict

        agreement = agreements.agreement_update(
            actor=manager,
            agreement=agreement,
            currency="EUR",
            starts_on=TODAY,
            lines=[{"product": org.products["toaster"], "unit_price": Decimal("199.99")}],
        )
        assert (agreement.currency, agreement.starts_on) == ("EUR", TODAY)
        agreement = agreements.agreement_activate(actor=manager, agreement=agreement)
        assert agreement.status == A.ACTIVE

        agreement = agreements.agreement_update(
            actor=manager, agreement=agreement, name="Renamed", notes="n", ends_on=YEAR_END
        )
        assert agreement.name == "Renamed"
        for change in (
            {"lines": [{"product": org.products["kettle"], "unit_price": Decimal("1")}]},
            {"currency": "CNY"},
            {"starts_on": TODAY - datetime.timedelta(days=3)},
        ):
            with pytest.raises(ValidationError) as draft_only:
                agreements.agreement_update(actor=manager, agreement=agreement, **change)
            assert set(draft_only.value.message_dict) == set(change)
        with pytest.raises(ValidationError) as unknown:
            agreements.agreement_update(actor=manager, agreement=agreement, customer=1)
        assert "customer" in unknown.value.message_dict

        agreement = agreements.agreement_close(actor=manager, agreement=agreement)
        assert agreement.status == A.CLOSED
        with pytest.raises(ValidationError) as closed:
            agreements.agreement_update(actor=manager, agreement=agreement, name="Again")
        assert "status" in closed.value.message_dict
        with pytest.raises(ValidationError):
            agreements.agreement_close(actor=manager, agreement=agreement)
        assert list(
            AuditEntry.objects.filter(action__startswith="agreement.")
            .order_by("pk")
            .values_list("action", flat=True)
        ) == [
            "agreement.created",
            "agreement.updated",
            "agreement.activated",
            "agreement.updated",
            "agreement.closed",
        ]


def test_an_agreement_that_has_ended_does_not_activate(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        ended = _create(
            org,
            starts_on=TODAY - datetime.timedelta(days=60),
            ends_on=TODAY - datetime.timedelta(days=1),
        )
        with pytest.raises(ValidationError) as refused:
            agreements.agreement_activate(actor=org.users["sales_manager"], agreement=ended)
        assert "ends_on" in refused.value.message_dict


def test_a_salesperson_cannot_change_activate_or_close(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        agreement = _create(org)
        for call in (
            lambda: agreements.agreement_update(actor=rep, agreement=agreement, name="x"),
            lambda: agreements.agreement_activate(actor=rep, agreement=agreement),
            lambda: agreements.agreement_close(actor=rep, agreement=agreement),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert Agreement.objects.get().status == A.DRAFT


# --- Orders under it -----------------------------------------------------------------
def test_an_order_under_the_agreement_takes_its_prices(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = _active(org, currency="CNY")
        order = _order(
            org,
            agreement,
            lines=[
                {"product": org.products["kettle"], "quantity": Decimal("4")},
                {"product": org.products["toaster"], "quantity": Decimal("1")},
            ],
        )

        kettle, toaster = order.lines.order_by("position")
        assert (kettle.unit_price, kettle.price_source) == (Decimal("150.00"), "agreement")
        assert (toaster.unit_price, toaster.price_source) == (Decimal("220.00"), "agreement")
        assert order.agreement == agreement and order.currency == "CNY"
        assert order.net_total == Decimal("820.00")


def test_a_product_not_in_the_agreement_is_refused(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = _active(org)
        with pytest.raises(ValidationError) as refused:
            _order(
                org,
                agreement,
                lines=[{"product": org.products["usd_lamp"], "quantity": Decimal("1")}],
            )
        assert refused.value.message_dict["lines"] == ["Line 1: LP-1 is not in the agreement."]
        assert Order.objects.count() == 0


def test_the_cap_is_refused_with_a_clear_message_and_cancelled_orders_free_it(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = _active(org)
        first = _order(org, agreement, kettles=Decimal("8"))

        with pytest.raises(ValidationError) as refused:
            _order(org, agreement, kettles=Decimal("3"))
        assert refused.value.message_dict["lines"] == [
            "The agreement caps product KT-1 at 10; 8 is already ordered, so at most 2 more."
        ]
        assert Order.objects.count() == 1

        orders.order_cancel(actor=org.users["salesperson"], order=first, reason="")
        second = _order(org, agreement, kettles=Decimal("10"))

        assert second.lines.get().quantity == Decimal("10.000")
        usage = {row.product.sku: row for row in agreements.agreement_usage(agreement)}
        assert (usage["KT-1"].cap, usage["KT-1"].ordered, usage["KT-1"].remaining) == (
            Decimal("10.000"),
            Decimal("10.000"),
            Decimal("0.000"),
        )
        assert (usage["TS-1"].cap, usage["TS-1"].ordered, usage["TS-1"].remaining) == (
            None,
            Decimal("0"),
            None,
        )


def test_usage_counts_every_order_but_cancelled_and_rejected(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        agreement = _active(org)
        _order(org, agreement, kettles=Decimal("2"))  # draft: counts
        submitted = orders.order_submit(
            actor=org.users["salesperson"], order=_order(org, agreement, kettles=Decimal("3"))
        )
        orders.order_reject(actor=manager, order=submitted, comment="Wrong depot")
        approved = orders.order_submit(
            actor=org.users["salesperson"], order=_order(org, agreement, kettles=Decimal("1.5"))
        )
        orders.order_approve(actor=manager, order=approved)

        kettle = next(row for row in agreements.agreement_usage(agreement) if row.cap)

        assert (kettle.ordered, kettle.remaining, kettle.percent_used) == (
            Decimal("3.500"),
            Decimal("6.500"),
            Decimal("35"),
        )


def test_a_draft_closed_or_expired_agreement_takes_no_orders(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        draft = _create(org)
        closed = agreements.agreement_close(
            actor=org.users["sales_manager"], agreement=_active(org)
        )
        active = _active(org)
        for agreement, kwargs, message in (
            (draft, {}, "Only an active agreement takes orders."),
            (closed, {}, "Only an active agreement takes orders."),
            (
                active,
                {"order_date": YEAR_END + datetime.timedelta(days=1)},
                f"The agreement runs from {active.starts_on} to {active.ends_on}; the order "
                "date is outside.",
            ),
        ):
            with pytest.raises(ValidationError) as refused:
                _order(org, agreement, **kwargs)
            assert refused.value.message_dict["agreement"] == [message]
        assert Order.objects.count() == 0


def test_another_customers_agreement_is_refused(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        agreement = _active(org, who="owner", customer="north")
        with pytest.raises(ValidationError) as refused:
            _order(org, agreement, who="owner")
        assert refused.value.message_dict["agreement"] == [
            "This agreement belongs to another customer."
        ]


# --- Two orders for the last units ---------------------------------------------------
@pytest.fixture
def committed_agreement(platform_workspaces, django_db_blocker):
    """An active agreement capping kettles at 10 for a customer, committed in alpha so
    other connections see it, with 8 kettles ordered already; every row made here or
    meanwhile is removed afterwards."""
    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            customer = customer_services.customer_create(
                actor=owner, name="Race 框架客户", code="RACE-MA"
            )
            kettle = md.product_create(
                actor=owner, sku="RACE-KT", name="Race kettle", list_price=Decimal("199.00")
            )
            # Numbered by hand: the workspace's committed "agreement" sequence stays as
            # the other tests expect it.
            agreement = Agreement.objects.create(
                number="RACE-MA-1",
                customer=customer,
                name="Race",
                currency=customer.currency,
                starts_on=TODAY,
                ends_on=TODAY,
                status=A.ACTIVE,
            )
            AgreementLine.objects.create(
                agreement=agreement,
                product=kettle,
                unit_price=Decimal("150.00"),
                max_quantity=Decimal("10"),
            )
            orders.order_create(
                actor=owner,
                customer=customer,
                agreement=agreement,
                lines=[{"product": kettle, "quantity": Decimal("8")}],
            )
        connection.set_schema_to_public()
        yield workspace, owner, customer, kettle, agreement
        with schema_context(workspace.schema):
            Order.objects.filter(customer_id=customer.pk).delete()
            agreement.delete()
            Product.objects.filter(pk=kettle.pk).delete()
            customer.delete()
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
        connection.set_schema_to_public()


def test_two_orders_for_the_last_units_under_a_cap_one_succeeds(committed_agreement):
    workspace, owner, customer, kettle, agreement = committed_agreement
    # Both transactions start together, each on its own connection; the agreement's
    # row lock (taken before pricing) makes the second wait for the first to commit.
    both_ready = threading.Barrier(2, timeout=30)
    outcomes: list[object] = [None, None]

    def place(index):
        try:
            with schema_context(workspace.schema):
                both_ready.wait()
                outcomes[index] = orders.order_create(
                    actor=owner,
                    customer=customer,
                    agreement=agreement,
                    lines=[{"product": kettle, "quantity": Decimal("2")}],
                )
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=place, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    placed = [o for o in outcomes if isinstance(o, Order)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(placed) == 1 and len(errors) == 1, outcomes
    assert isinstance(errors[0], ValidationError)
    assert "at most 0 more" in errors[0].message_dict["lines"][0]
    with schema_context(workspace.schema):
        usage = agreements.agreement_usage(agreement)
        assert (usage[0].ordered, usage[0].remaining) == (Decimal("10.000"), Decimal("0.000"))
        assert Order.objects.filter(agreement_id=agreement.pk).count() == 2
    connection.set_schema_to_public()
