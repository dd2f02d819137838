"""The lifecycle engine (`tradepost.lifecycle`) on real documents: a declared step locks,
checks, audits and emits once; a refused step writes nothing; the page's buttons and the
API's `allowed_actions` come from the same declaration; two steps on one document at
once run one after the other (real transactions on PostgreSQL)."""

from __future__ import annotations

import datetime
import importlib
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tradepost.audit.actions import AUDIT_ACTIONS, UnregisteredAuditAction, audit_action_label
from tradepost.audit.models import AuditEntry
from tradepost.audit.services import audit_record
from tradepost.channel import adjustments, agreements, plans
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Product
from tradepost.pipeline import services as pipeline
from tradepost.sales import orders, quotes
from tradepost.sales.models import Order, OrderLine, Quote

ROLES = ("owner", "salesperson", "sales_manager", "executive", "warehouse_manager", "dealer")


def _actor(org, who):
    return org.owner if who == "owner" else org.users[who]


def _order(org, who="salesperson", customer="rep_own"):
    return orders.order_create(
        actor=_actor(org, who),
        customer=org.customers[customer],
        lines=[{"product": org.products["kettle"], "quantity": Decimal("2")}],
    )


def _audits(document) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type=document._meta.label_lower, target_id=str(document.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_declared_step_locks_sets_the_status_audits_and_emits_its_event_once_on_commit(
    sales_org, django_capture_on_commit_callbacks
):
    org = sales_org
    with schema_context(org.workspace.schema):
        WebhookEndpoint.objects.create(
            url="https://hooks.example.test/in", event_types=["order.approved"], secret="s"
        )
        order = orders.order_submit(actor=org.users["salesperson"], order=_order(org))
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            CaptureLocks() as locks,
        ):
            approved = orders.order_approve(
                actor=org.users["sales_manager"], order=order, comment="fine"
            )

        assert approved.status == Order.Status.APPROVED
        assert Order.objects.get(pk=order.pk).status == Order.Status.APPROVED
        assert any('FROM "sales_order"' in sql and "FOR UPDATE" in sql for sql in locks.sql)
        assert _audits(order)[-1] == "order.approved"
        assert AuditEntry.objects.filter(action="order.approved").get().data == {"comment": "fine"}
        event = WebhookEvent.objects.get(event_type="order.approved")
        assert event.payload["id"] == order.pk and event.payload["status"] == "approved"
        assert WebhookDelivery.objects.filter(event=event).count() == 1
        assert len(callbacks) == 1  # the delivery goes out only once the step commits


def test_a_step_from_a_wrong_state_is_refused_with_the_documents_wording_and_writes_nothing(
    sales_org,
):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = _order(org)  # a draft
        before = _audits(order)
        with pytest.raises(ValidationError) as refused:
            orders.order_confirm(actor=org.owner, order=order)
        assert refused.value.message_dict == {
            "status": ["An order that is “Draft” cannot be confirmed."]
        }
        fresh = Order.objects.get(pk=order.pk)
        assert (fresh.status, fresh.number, fresh.confirmed_at) == (Order.Status.DRAFT, "", None)
        assert _audits(order) == before
        assert not WebhookEvent.objects.filter(event_type="order.confirmed").exists()


def test_a_user_without_the_steps_permission_is_refused_and_nothing_is_written(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = orders.order_submit(actor=org.users["salesperson"], order=_order(org))
        before = _audits(order)
        with pytest.raises(PermissionDenied):
            orders.order_approve(actor=org.users["salesperson"], order=order)  # no review_order
        with pytest.raises(PermissionDenied):
            orders.order_approve(actor=org.users["warehouse_manager"], order=order)
        assert Order.objects.get(pk=order.pk).status == Order.Status.SUBMITTED
        assert _audits(order) == before


def test_an_order_out_of_the_actors_scope_is_refused_like_one_they_may_not_change(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = orders.order_submit(
            actor=org.users["north_rep"], order=_order(org, "north_rep", customer="north")
        )
        with pytest.raises(PermissionDenied, match="not yours"):
            orders.order_cancel(actor=org.users["salesperson"], order=order)
        assert Order.objects.get(pk=order.pk).status == Order.Status.SUBMITTED


def test_a_data_rule_declared_with_the_step_refuses_it_and_hides_its_button(sales_org):
    """The order's cancel rules (owner until approved, nothing shipped) live only in the
    declaration: the service refuses with them and the buttons follow them."""
    org = sales_org
    with schema_context(org.workspace.schema):
        rep, manager = org.users["salesperson"], org.users["sales_manager"]
        order = orders.order_submit(actor=rep, order=_order(org))
        assert orders.LIFECYCLE.allows("cancel", rep, order)  # their own, not approved
        order = orders.order_approve(actor=manager, order=order)
        assert not orders.LIFECYCLE.allows("cancel", rep, order)
        with pytest.raises(PermissionDenied, match="Once approved"):
            orders.order_cancel(actor=rep, order=order)
        order = orders.order_confirm(actor=org.owner, order=order)
        assert orders.LIFECYCLE.allows("cancel", manager, order)
        # Goods left without the order's status following (e.g. a delivery note of the
        # coming inventory module): the data rule still holds the cancel back.
        OrderLine.objects.filter(order=order).update(shipped_quantity=1)
        order = Order.objects.get(pk=order.pk)
        assert not orders.LIFECYCLE.allows("cancel", manager, order)
        with pytest.raises(ValidationError, match="have shipped"):
            orders.order_cancel(actor=manager, order=order, reason="Customer withdrew")
        assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED


def _steps_on_page(response, document_steps) -> set[str]:
    """The steps whose button (a form posting to `<document>/<id>/<step>/`, or the edit
    link) the page shows."""
    html = response.content.decode()
    return {step for step, marker in document_steps.items() if marker in html}


@pytest.mark.parametrize("who", ROLES)
def test_the_apis_allowed_actions_match_the_orders_page_buttons_for_each_role(sales_org, who):
    org = sales_org
    with schema_context(org.workspace.schema):
        order = orders.order_submit(actor=org.users["salesperson"], order=_order(org))
    client = org.client(who)
    markers = {
        step: reverse("sales:order_step", args=[order.pk, step])
        for step in orders.LIFECYCLE.transitions
        if step != "edit"
    }
    markers["edit"] = reverse("sales:order_edit", args=[order.pk])
    page = client.get(reverse("sales:order", args=[order.pk]))
    api = client.get(f"/api/v1/orders/{order.pk}/")
    if page.status_code == 404 or api.status_code == 404:  # out of the role's scope
        assert (page.status_code, api.status_code) == (404, 404)
        return
    assert page.status_code == 200 and api.status_code == 200
    assert set(api.json()["allowed_actions"]) == _steps_on_page(page, markers)


@pytest.mark.parametrize("who", ROLES)
def test_the_apis_allowed_actions_match_the_quotes_page_buttons_for_each_role(sales_org, who):
    org = sales_org
    with schema_context(org.workspace.schema):
        quote = quotes.quote_create(
            actor=org.users["salesperson"],
            customer=org.customers["rep_own"],
            lines=[{"product": org.products["kettle"], "quantity": Decimal("1")}],
        )
        quote = quotes.quote_send(actor=org.users["salesperson"], quote=quote)
    client = org.client(who)
    markers = {
        step: reverse("sales:quote_step", args=[quote.pk, step])
        for step in quotes.LIFECYCLE.transitions
        if step != "edit"
    }
    markers["edit"] = reverse("sales:quote_edit", args=[quote.pk])
    page = client.get(reverse("sales:quote", args=[quote.pk]))
    api = client.get(f"/api/v1/quotes/{quote.pk}/")
    if page.status_code in (403, 404) or api.status_code in (403, 404):
        assert page.status_code == api.status_code
        return
    assert page.status_code == 200 and api.status_code == 200
    assert set(api.json()["allowed_actions"]) == _steps_on_page(page, markers)
    assert Quote.objects.get(pk=quote.pk).status == Quote.Status.SENT


def _channel_document(org, kind):
    """A demand plan (submitted), an agreement (active) or a price adjustment (draft),
    with its page URL, its API URL and the marker of each step's button on the page."""
    with schema_context(org.workspace.schema):
        if kind == "plan":
            plan = plans.demand_plan_save(
                actor=org.users["dealer"],
                dealer=org.customers["dealer"],
                month=plans.next_month(),
                lines=[{"product": org.products["kettle"], "quantity": Decimal("10")}],
            )
            plan = plans.demand_plan_submit(actor=org.users["dealer"], plan=plan)
            steps = {
                s: reverse("sales:demand_plan_step", args=[plan.pk, s])
                for s in plans.LIFECYCLE.transitions
            }
            steps["edit"] = reverse("sales:demand_plan_edit", args=[plan.pk])
            return (
                plans.LIFECYCLE,
                reverse("sales:demand_plan", args=[plan.pk]),
                f"/api/v1/demand-plans/{plan.pk}/",
                steps,
            )
        if kind == "agreement":
            agreement = agreements.agreement_create(
                actor=org.owner,
                customer=org.customers["rep_own"],
                name="Framework",
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate() + datetime.timedelta(days=90),
                lines=[{"product": org.products["kettle"], "unit_price": Decimal("150.00")}],
            )
            agreement = agreements.agreement_activate(actor=org.owner, agreement=agreement)
            steps = {
                s: reverse("sales:agreement_step", args=[agreement.pk, s])
                for s in agreements.LIFECYCLE.transitions
            }
            steps["edit"] = reverse("sales:agreement_edit", args=[agreement.pk])
            return (
                agreements.LIFECYCLE,
                reverse("sales:agreement", args=[agreement.pk]),
                f"/api/v1/agreements/{agreement.pk}/",
                steps,
            )
        adjustment = adjustments.price_adjustment_create(
            actor=org.owner,
            product=org.products["kettle"],
            new_price=Decimal("149.99"),
            effective_on=timezone.localdate(),
            basis="reported_stock",
        )
        steps = {
            s: reverse("sales:adjustment_step", args=[adjustment.pk, s])
            for s in ("recompute", "approve", "post", "cancel")
        }
        return (
            adjustments.LIFECYCLE,
            reverse("sales:adjustment", args=[adjustment.pk]),
            f"/api/v1/price-adjustments/{adjustment.pk}/",
            steps,
        )


@pytest.mark.parametrize("kind", ["plan", "agreement", "adjustment"])
@pytest.mark.parametrize("who", ["owner", "salesperson", "sales_manager", "dealer"])
def test_the_apis_allowed_actions_match_the_channel_pages_buttons(sales_org, kind, who):
    lifecycle, page_url, api_url, markers = _channel_document(sales_org, kind)
    client = sales_org.client(who)
    page, api = client.get(page_url), client.get(api_url)
    if page.status_code != 200 or api.status_code != 200:  # the role does not see it
        assert page.status_code in (403, 404) and api.status_code in (403, 404)
        return
    allowed = set(api.json()["allowed_actions"])
    assert allowed <= set(lifecycle.transitions)
    if kind == "adjustment":  # correcting a line has no button of its own: a line's form
        assert ("line_set" in allowed) == ("recompute" in allowed)
        allowed.discard("line_set")
    assert allowed == _steps_on_page(page, markers)


def test_every_declared_step_names_registered_actions_and_events():
    for lifecycle in (
        orders.LIFECYCLE,
        quotes.LIFECYCLE,
        adjustments.LIFECYCLE,
        plans.LIFECYCLE,
        agreements.LIFECYCLE,
        pipeline.LIFECYCLE,
    ):
        for transition in lifecycle:
            assert transition.action in AUDIT_ACTIONS
    with pytest.raises(UnregisteredAuditAction):
        Lifecycle(
            model=Order,
            refusal="%(status)s %(action)s",
            transitions=[
                Transition(
                    "teleport",
                    source=[Order.Status.DRAFT],
                    target=Order.Status.CLOSED,
                    permission="sales.change_order",
                    action="order.teleported",
                    verb="teleported",
                )
            ],
        )
    with pytest.raises(ValueError, match="unknown states"):
        Lifecycle(
            model=Order,
            refusal="%(status)s %(action)s",
            transitions=[
                Transition(
                    "close",
                    source=["nowhere"],
                    target=Order.Status.CLOSED,
                    permission="sales.change_order",
                    action="order.closed",
                    verb="closed",
                )
            ],
        )


@pytest.mark.parametrize(
    ("lifecycle", "viewset"),
    [
        (orders.LIFECYCLE, "tradepost.sales.api.orders.OrderViewSet"),
        (quotes.LIFECYCLE, "tradepost.sales.api.quotes.QuoteViewSet"),
        (adjustments.LIFECYCLE, "tradepost.channel.api.adjustments.PriceAdjustmentViewSet"),
        (plans.LIFECYCLE, "tradepost.channel.api.plans.DemandPlanViewSet"),
        (agreements.LIFECYCLE, "tradepost.channel.api.agreements.AgreementViewSet"),
        (pipeline.LIFECYCLE, "tradepost.pipeline.api.OpportunityViewSet"),
    ],
)
def test_every_declared_step_has_its_api_endpoint(lifecycle, viewset):
    module, name = viewset.rsplit(".", 1)
    views = getattr(importlib.import_module(module), name)
    routes = {action.url_path for action in views.get_extra_actions()}
    for transition in lifecycle:
        if transition.api_path is None:
            assert hasattr(views, "partial_update") and "patch" in views.http_method_names
        else:
            assert transition.api_path in routes, transition.name


def test_an_unregistered_audit_action_is_refused_and_registered_ones_have_labels(alpha):
    with schema_context(alpha.schema):
        with pytest.raises(UnregisteredAuditAction):
            audit_record(actor=None, action="order.teleported")
        assert not AuditEntry.objects.filter(action="order.teleported").exists()
        entry = audit_record(actor=None, action="order.confirmed")
        assert entry.action_label == "Order confirmed"
    assert audit_action_label("something.old") == "something.old"


# --- Concurrency: real transactions -----------------------------------------------------
class CaptureLocks:
    """The SQL run inside the block (to see the row lock taken)."""

    def __enter__(self):
        self.sql: list[str] = []
        self._wrapper = connection.execute_wrapper(self._record)
        self._wrapper.__enter__()
        return self

    def _record(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


@pytest.fixture
def submitted_order(committed_customer, django_db_blocker):  # noqa: F811 - fixture
    """A submitted order committed in alpha, seen by other connections; removed after."""
    workspace, owner, customer = committed_customer
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            product = md.product_create(
                actor=owner, sku="LC-RACE", name="Race toaster", list_price=Decimal("12.00")
            )
            order = orders.order_create(
                actor=owner,
                customer=customer,
                lines=[{"product": product, "quantity": Decimal("1")}],
            )
            order = orders.order_submit(actor=owner, order=order)
        connection.set_schema_to_public()
        yield workspace, owner, order.pk
        with schema_context(workspace.schema):
            Order.objects.filter(customer=customer).delete()
            Product.objects.filter(pk=product.pk).delete()
        connection.set_schema_to_public()


def test_two_steps_on_one_document_at_once_run_one_after_the_other(submitted_order):
    """Approve and reject race on one submitted order: the first holds the row lock
    until it commits, the second then finds the order no longer submitted and is
    refused. Exactly one review is recorded."""
    workspace, owner, order_id = submitted_order
    first_locked, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def approve():
        try:
            with schema_context(workspace.schema), transaction.atomic():
                order = Order.objects.get(pk=order_id)
                outcome["approve"] = orders.order_approve(actor=owner, order=order).status
                first_locked.set()
                release.wait(10)  # hold the lock while the other step starts
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome["approve"] = exc
            first_locked.set()
        finally:
            connection.close()

    def reject():
        try:
            first_locked.wait(10)
            with schema_context(workspace.schema):
                order = Order.objects.get(pk=order_id)  # read before the approval commits
                threading.Timer(0.5, release.set).start()
                outcome["reject"] = orders.order_reject(actor=owner, order=order, comment="No")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            outcome["reject"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=approve), threading.Thread(target=reject)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["approve"] == Order.Status.APPROVED
    assert isinstance(outcome["reject"], ValidationError)
    assert outcome["reject"].message_dict == {
        "status": ["An order that is “Approved” cannot be rejected."]
    }
    with schema_context(workspace.schema):
        assert Order.objects.get(pk=order_id).status == Order.Status.APPROVED
        reviews = AuditEntry.objects.filter(
            target_type="sales.order",
            target_id=str(order_id),
            action__in=["order.approved", "order.rejected"],
        )
        assert list(reviews.values_list("action", flat=True)) == ["order.approved"]
    connection.set_schema_to_public()
