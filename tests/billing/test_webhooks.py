"""Stripe webhooks: signature, process-once, order, outcomes, replay and a storm."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from billing.models import StripeEvent, Subscription
from tests.billing.conftest import subscription_of
from tests.billing.stripe_events import (
    checkout_completed,
    deliver,
    event,
    invoice,
    sign,
    subscription,
)
from tradepost.audit.models import AuditEntry

T0 = 1_790_000_000


@pytest.fixture
def linked(alpha, set_subscription, stripe_fake):
    """alpha has a Stripe customer (created at its first checkout)."""
    set_subscription(alpha, stripe_customer_id="cus_alpha")
    return alpha


def _sub_event(n: int, created: int, **fields) -> dict:
    fields.setdefault("tenant_id", None)
    return event(
        f"evt_{n}",
        "customer.subscription.updated",
        created,
        subscription("sub_alpha", "cus_alpha", **fields),
    )


def test_a_signed_event_is_applied_and_its_outcome_recorded(linked, public_client):
    response = deliver(public_client, _sub_event(1, T0, status="active", plan="pro"))

    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "applied"}
    sub = subscription_of(linked)
    assert (sub.status, sub.plan.code, sub.stripe_subscription_id) == ("active", "pro", "sub_alpha")
    assert sub.stripe_updated == datetime.fromtimestamp(T0, tz=UTC)
    assert sub.current_period_end == datetime.fromtimestamp(T0 + 2_592_000, tz=UTC)
    stored = StripeEvent.objects.get(event_id="evt_1")
    assert (stored.outcome, stored.tenant_id, stored.attempts) == ("applied", linked.tenant.pk, 1)
    with schema_context(linked.schema):
        assert AuditEntry.objects.filter(action="billing.subscription_changed").count() == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda body, header: (body, header.replace("v1=", "v1=0")),  # wrong signature
        lambda body, header: (body.replace(b"active", b"unpaid"), header),  # body changed
        lambda body, header: (body, ""),  # unsigned
        lambda body, header: (body, sign(body, "whsec_someone_else")),  # other secret
    ],
)
def test_a_badly_signed_event_is_refused_and_nothing_is_stored(linked, public_client, tamper):
    body = json.dumps(_sub_event(1, T0, status="active")).encode()
    body, header = tamper(body, sign(body))

    response = public_client.post(
        "/billing/stripe/webhook/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert subscription_of(linked).status == "trialing"


def test_signatures_older_than_the_300_second_tolerance_are_refused(linked, public_client):
    stale = deliver(public_client, _sub_event(1, T0), timestamp=int(time.time()) - 301)
    fresh = deliver(public_client, _sub_event(2, T0), timestamp=int(time.time()) - 290)

    assert stale.status_code == 400
    assert fresh.status_code == 200
    assert list(StripeEvent.objects.values_list("event_id", flat=True)) == ["evt_2"]


def test_without_a_webhook_secret_the_endpoint_says_it_is_not_configured(public_client, offline):
    assert deliver(public_client, _sub_event(1, T0)).status_code == 503
    assert not StripeEvent.objects.exists()


def test_the_webhook_lives_on_the_public_domain_only(linked):
    assert deliver(linked.client(), _sub_event(1, T0)).status_code == 404


def test_a_redelivered_event_is_processed_once(linked, public_client):
    first = deliver(public_client, _sub_event(1, T0, status="past_due"))
    second = deliver(public_client, _sub_event(1, T0, status="past_due"))

    assert first.json()["outcome"] == "applied"
    assert second.json()["outcome"] == "duplicate"
    assert StripeEvent.objects.get().attempts == 1
    with schema_context(linked.schema):
        assert AuditEntry.objects.filter(action="billing.subscription_changed").count() == 1


def test_an_older_event_arriving_late_never_moves_the_subscription_back(linked, public_client):
    deliver(public_client, _sub_event(2, T0 + 60, status="canceled"))

    late = deliver(public_client, _sub_event(1, T0, status="active", plan="pro"))

    assert late.json()["outcome"] == "stale"
    sub = subscription_of(linked)
    assert (sub.status, sub.plan.code) == ("canceled", "starter")
    assert StripeEvent.objects.get(event_id="evt_1").outcome == "stale"


def test_two_events_in_the_same_second_are_settled_by_asking_stripe(
    linked, public_client, stripe_fake
):
    stripe_fake.subscriptions["sub_alpha"] = subscription(
        "sub_alpha", "cus_alpha", status="past_due"
    )
    deliver(public_client, _sub_event(1, T0, status="past_due"))

    tie = deliver(public_client, _sub_event(2, T0, status="active"))

    assert tie.json()["outcome"] == "applied"
    assert [r.path for r in stripe_fake.gets("/v1/subscriptions/")] == [
        "/v1/subscriptions/sub_alpha"
    ]
    assert subscription_of(linked).status == "past_due"  # Stripe's word, not the payload's


def test_checkout_completed_links_the_stripe_subscription(alpha, public_client, stripe_fake):
    payload = event(
        "evt_c",
        "checkout.session.completed",
        T0,
        checkout_completed("cs_1", "cus_new", "sub_new", alpha.tenant.pk),
    )

    response = deliver(public_client, payload)

    assert response.json()["outcome"] == "applied"
    sub = subscription_of(alpha)
    assert (sub.stripe_customer_id, sub.stripe_subscription_id) == ("cus_new", "sub_new")
    assert sub.status == "trialing"  # the state itself comes with customer.subscription.*


def test_a_checkout_of_another_customer_does_not_take_over_a_workspace(
    linked, public_client, stripe_fake
):
    payload = event(
        "evt_c",
        "checkout.session.completed",
        T0,
        checkout_completed("cs_1", "cus_intruder", "sub_x", linked.tenant.pk),
    )

    assert deliver(public_client, payload).json()["outcome"] == "ignored"
    assert subscription_of(linked).stripe_customer_id == "cus_alpha"


def test_invoice_events_record_payments_and_failures(linked, public_client):
    deliver(
        public_client,
        event("evt_f", "invoice.payment_failed", T0, invoice("in_1", "cus_alpha", "sub_alpha")),
    )
    deliver(
        public_client,
        event(
            "evt_p",
            "invoice.paid",
            T0 + 100,
            invoice("in_1", "cus_alpha", "sub_alpha", paid_at=T0 + 90),
        ),
    )

    sub = subscription_of(linked)
    assert sub.last_payment_failed_at == datetime.fromtimestamp(T0, tz=UTC)
    assert sub.last_payment_at == datetime.fromtimestamp(T0 + 90, tz=UTC)


def test_events_of_unknown_customers_and_types_are_recorded_as_ignored(public_client, stripe_fake):
    other = event(
        "evt_o", "customer.subscription.updated", T0, subscription("sub_o", "cus_unknown")
    )
    unhandled = event("evt_u", "charge.refunded", T0, {"id": "ch_1", "object": "charge"})

    assert deliver(public_client, other).json()["outcome"] == "ignored"
    assert deliver(public_client, unhandled).json()["outcome"] == "ignored"
    assert StripeEvent.objects.get(event_id="evt_u").detail == "event type not handled"


def test_a_failing_handler_is_recorded_answered_500_and_replayed_later(
    linked, public_client, stripe_fake
):
    deliver(public_client, _sub_event(1, T0, status="active"))
    stripe_fake.fail_with = 500  # Stripe is down when we need to ask it about a tie

    failed = deliver(public_client, _sub_event(2, T0, status="past_due"))

    assert failed.status_code == 500
    record = StripeEvent.objects.get(event_id="evt_2")
    assert (record.outcome, record.processed_at) == ("failed", None)
    assert "APIError" in record.detail or "Error" in record.detail
    stripe_fake.fail_with = None
    stripe_fake.subscriptions["sub_alpha"] = subscription(
        "sub_alpha", "cus_alpha", status="past_due"
    )

    call_command("replay_stripe_events", "--local-only")

    record.refresh_from_db()
    assert record.outcome == "applied" and record.processed_at is not None
    assert subscription_of(linked).status == "past_due"


def test_replay_fetches_events_stripe_could_not_deliver(linked, stripe_fake, capsys):
    now = int(time.time())
    stripe_fake.undelivered.append(_sub_event(9, now - 60, status="unpaid"))

    call_command("replay_stripe_events", "--days", "3")
    call_command("replay_stripe_events", "--days", "3")  # again: nothing applied twice

    assert subscription_of(linked).status == "unpaid"
    assert StripeEvent.objects.get(event_id="evt_9").attempts == 1
    [listing, *_] = stripe_fake.gets("/v1/events")
    assert listing.params["delivery_success"] == "false"
    assert "applied: 1" in capsys.readouterr().out


def _storm_events(alpha_id: int, beta_id: int) -> list[dict]:
    """100 distinct events over two workspaces, with same-second ties and every
    covered type; the last subscription event of each workspace decides its state."""
    rng = random.Random(7)
    events: list[dict] = []
    for slug, tenant_id in (("alpha", alpha_id), ("beta", beta_id)):
        sub_id, customer = f"sub_{slug}", f"cus_{slug}"
        created = T0
        events.append(
            event(
                f"evt_{slug}_checkout",
                "checkout.session.completed",
                created,
                checkout_completed(f"cs_{slug}", customer, sub_id, tenant_id),
            )
        )
        events.append(
            event(
                f"evt_{slug}_created",
                "customer.subscription.created",
                created,
                subscription(sub_id, customer, status="active"),
            )
        )
        for n in range(47 if slug == "alpha" else 46):
            created += rng.choice([0, 1, 1, 2, 30])  # zero: a tie in the same second
            kind = rng.choice(["sub", "sub", "sub", "paid", "failed"])
            if kind == "sub":
                obj = subscription(
                    sub_id,
                    customer,
                    status=rng.choice(["active", "past_due", "active", "unpaid"]),
                    plan=rng.choice(["starter", "pro"]),
                    interval=rng.choice(["month", "year"]),
                    period_start=T0 + n * 1000,
                    cancel_at_period_end=rng.random() < 0.2,
                )
                events.append(
                    event(f"evt_{slug}_{n}", "customer.subscription.updated", created, obj)
                )
            else:
                paid_at = created if kind == "paid" else None
                events.append(
                    event(
                        f"evt_{slug}_{n}",
                        "invoice.paid" if paid_at else "invoice.payment_failed",
                        created,
                        invoice(f"in_{slug}_{n}", customer, sub_id, paid_at=paid_at),
                    )
                )
        created += 5
        events.append(
            event(
                f"evt_{slug}_final",
                "customer.subscription.updated",
                created,
                subscription(
                    sub_id,
                    customer,
                    status="past_due",
                    plan="pro",
                    interval="year",
                    period_start=T0 + 99_000,
                ),
            )
        )
    events.append(
        event(
            "evt_alpha_gone",
            "customer.subscription.deleted",
            created + 10,
            subscription(
                "sub_alpha",
                "cus_alpha",
                status="canceled",
                plan="pro",
                interval="year",
                period_start=T0 + 99_000,
            ),
        )
    )
    return events


STATE_FIELDS = [
    "plan_id",
    "status",
    "interval",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "past_due_since",
    "canceled_at",
    "trial_ends_at",
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_item_id",
    "stripe_updated",
    "last_payment_at",
    "last_payment_failed_at",
]


def _states(*workspaces) -> list[dict]:
    return list(
        Subscription.objects.filter(tenant__in=[w.tenant for w in workspaces])
        .order_by("tenant__slug")
        .values(*STATE_FIELDS)
    )


def test_a_storm_of_duplicated_shuffled_events_ends_as_ordered_delivery_does(
    alpha, beta, public_client, stripe_fake, set_subscription
):
    events = _storm_events(alpha.tenant.pk, beta.tenant.pk)
    assert len(events) == 100
    # What Stripe answers when asked (ties): the subscriptions as they finally are.
    for e in events:
        if e["type"].startswith("customer.subscription"):
            stripe_fake.subscriptions[e["data"]["object"]["id"]] = e["data"]["object"]
    # As in real use, each customer was created (and mapped) before its checkout.
    for w in (alpha, beta):
        set_subscription(w, stripe_customer_id=f"cus_{w.slug}")
    initial = {w.slug: _states(w)[0] for w in (alpha, beta)}

    def reset():
        StripeEvent.objects.all().delete()
        for w in (alpha, beta):
            set_subscription(w, **initial[w.slug])

    for e in sorted(events, key=lambda e: e["created"]):  # ties: in the order they happened
        assert deliver(public_client, e).status_code == 200
    ordered = _states(alpha, beta)
    reset()

    storm = events + events
    random.Random(2026).shuffle(storm)
    outcomes = [deliver(public_client, e).json()["outcome"] for e in storm]

    assert _states(alpha, beta) == ordered
    assert outcomes.count("duplicate") == 100
    assert StripeEvent.objects.count() == 100
    assert not StripeEvent.objects.filter(processed_at__isnull=True).exists()
    assert {"applied", "stale"} <= set(outcomes)
    alpha_state, beta_state = ordered
    assert alpha_state["status"] == "canceled" and beta_state["status"] == "past_due"
    assert beta_state["past_due_since"] == datetime.fromtimestamp(T0 + 99_000, tz=UTC)


def test_one_event_delivered_twice_at_once_is_applied_once(
    platform_workspaces, stripe_online, django_db_blocker
):
    """Real concurrent transactions: the event row's lock makes the second wait and
    then find the event processed."""
    import threading

    from django.db import connection

    from billing import services

    alpha = platform_workspaces["alpha"]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def process(record):
        barrier.wait()
        try:
            outcomes.append(services.stripe_event_process(event=record))
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes.append(exc)
        finally:
            connection.close()

    with django_db_blocker.unblock():
        before = Subscription.objects.filter(tenant=alpha.tenant).values(*STATE_FIELDS).get()
        Subscription.objects.filter(tenant=alpha.tenant).update(stripe_customer_id="cus_alpha")
        record = services.stripe_event_store(event=_sub_event(1, T0, status="active", plan="pro"))
        try:
            threads = [threading.Thread(target=process, args=(record,)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)

            assert sorted(map(str, outcomes)) == ["applied", "duplicate"], outcomes
            record.refresh_from_db()
            assert record.attempts == 1
            with schema_context(alpha.schema):
                assert AuditEntry.objects.filter(action="billing.subscription_changed").count() == 1
        finally:
            StripeEvent.objects.filter(pk=record.pk).delete()
            Subscription.objects.filter(tenant=alpha.tenant).update(**before)
            with schema_context(alpha.schema):
                AuditEntry.objects.filter(action="billing.subscription_changed").delete()
            connection.set_schema_to_public()
