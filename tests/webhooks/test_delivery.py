"""One delivery attempt against a local receiver: signed request, outcome recorded,
retries with exponential backoff, a limit, idempotence. In-process (the worker test
runs the same code on a real worker)."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks import services
from api.webhooks.delivery import attempt_delivery
from api.webhooks.models import WebhookDelivery
from api.webhooks.signing import verify_signature
from api.webhooks.tasks import deliver_webhook, requeue_stalled_deliveries


@pytest.fixture
def delivery_to(alpha, make_endpoint):
    """An event in alpha's outbox with one delivery to `url`; returns the delivery."""

    def make(url: str, event_type: str = "user.invited") -> WebhookDelivery:
        make_endpoint(alpha, url=url, event_types=[event_type])
        with schema_context(alpha.schema):
            event = services.webhook_emit(event_type=event_type, payload={"email": "ann@x.test"})
            return WebhookDelivery.objects.select_related("endpoint", "event").get(event=event)

    return make


def _due_now(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def test_a_delivery_is_a_signed_json_post_with_the_documented_headers_and_envelope(
    alpha, receiver, delivery_to
):
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        result = attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.status == "succeeded" and result.retry_in is None
    assert (stored.status, stored.attempts, stored.response_status) == ("succeeded", 1, 200)
    assert stored.response_excerpt == "ok"
    assert stored.next_attempt_at is None and stored.last_attempt_at is not None
    [request] = receiver.received
    assert request.path == "/hooks/tradepost"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Tradepost-Webhooks/1"
    assert request.headers["Tradepost-Event"] == "user.invited"
    assert request.headers["Tradepost-Delivery"] == str(delivery.pk)
    assert verify_signature(
        delivery.endpoint.secret, request.headers["Tradepost-Signature"], request.body
    )
    body = request.json()
    assert body == {
        "id": delivery.event_id,
        "type": "user.invited",
        "created_at": body["created_at"],
        "workspace": "alpha",
        "data": {"email": "ann@x.test"},
    }
    assert body["created_at"].startswith(str(delivery.event.created_at.year))


def test_a_failed_attempt_is_retried_after_the_base_delay_and_then_succeeds(
    alpha, receiver, delivery_to, settings
):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    receiver.script = [500]
    receiver.reply = b"database is down"
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        first = attempt_delivery(delivery.pk)
        after_first = WebhookDelivery.objects.get(pk=delivery.pk)
        # Not due yet: a second task for it does nothing.
        assert attempt_delivery(delivery.pk).status == "skipped"
        _due_now(delivery)
        second = attempt_delivery(delivery.pk)
        after_second = WebhookDelivery.objects.get(pk=delivery.pk)

    assert first.status == "retrying"
    assert 8 <= first.retry_in <= 12
    assert (after_first.status, after_first.attempts, after_first.response_status) == (
        "retrying",
        1,
        500,
    )
    assert after_first.response_excerpt == "database is down"
    wait = (after_first.next_attempt_at - after_first.last_attempt_at).total_seconds()
    assert 7.5 <= wait <= 12.5
    assert second.status == "succeeded"
    assert (after_second.status, after_second.attempts, after_second.response_status) == (
        "succeeded",
        2,
        200,
    )
    assert [r.answered for r in receiver.received] == [500, 200]
    # Both attempts carry the same event, each freshly signed.
    assert receiver.received[0].body == receiver.received[1].body


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 24, 36), (2, 48, 72), (5, 384, 576)])
def test_the_delay_doubles_with_every_attempt_with_jitter(settings, attempts, low, high):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    delays = {services.retry_delay(attempts) for _ in range(20)}

    assert all(low <= delay <= high for delay in delays)
    assert len(delays) > 1


def test_after_the_last_attempt_the_delivery_has_failed(alpha, receiver, delivery_to, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.script = [503, 502, 500, 200]
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        statuses = []
        for _ in range(3):
            _due_now(delivery)
            statuses.append(attempt_delivery(delivery.pk).status)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)
        _due_now(delivery)
        assert attempt_delivery(delivery.pk).status == "skipped"

    assert statuses == ["retrying", "retrying", "failed"]
    assert (stored.status, stored.attempts, stored.response_status) == ("failed", 3, 500)
    assert stored.next_attempt_at is None
    assert len(receiver.received) == 3


def test_a_succeeded_delivery_is_never_sent_again_by_a_task(alpha, receiver, delivery_to):
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        attempt_delivery(delivery.pk)
        _due_now(delivery)
        again = attempt_delivery(delivery.pk)

    assert again.status == "skipped"
    assert len(receiver.received) == 1


def test_two_tasks_for_one_delivery_send_it_once(alpha, receiver, delivery_to):
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        claimed = services.delivery_claim(delivery_id=delivery.pk)
        assert claimed is not None
        # While the first attempt runs, the second task finds the delivery taken.
        assert attempt_delivery(delivery.pk).status == "skipped"

    assert receiver.received == []


def test_a_redelivery_during_an_attempt_wins_over_its_outcome(alpha, delivery_to):
    delivery = delivery_to("https://slow.example.test/")

    with schema_context(alpha.schema):
        claimed = services.delivery_claim(delivery_id=delivery.pk)
        services.webhook_redeliver(actor=alpha.owner(), delivery=delivery)

        outcome = services.delivery_record(delivery=claimed, response_status=500)

        assert outcome is None
        stored = WebhookDelivery.objects.get(pk=delivery.pk)
        assert (stored.status, stored.attempts, stored.response_status) == ("pending", 0, None)


def test_no_connection_is_recorded_in_generic_words_and_retried(alpha, delivery_to, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    delivery = delivery_to(f"http://127.0.0.1:{port}/nobody-listens")

    with schema_context(alpha.schema):
        result = attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.status == "retrying"
    assert stored.response_status is None
    # Not "Connection refused", no errno, no port: the same words as for any failure.
    assert stored.error == "Could not connect to the receiver."


def test_a_slow_receiver_times_out(alpha, receiver, delivery_to, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 2.5
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        result = attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.status == "retrying"
    assert stored.error == "No answer within 1 seconds."


def test_redirects_are_not_followed(alpha, receiver, delivery_to):
    receiver.script = [302]
    receiver.headers = {"Location": "http://127.0.0.1:1/elsewhere"}
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        result = attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.status == "retrying"
    assert stored.response_status == 302
    assert "Redirects are not followed" in stored.error
    assert len(receiver.received) == 1


def test_only_the_start_of_a_long_response_is_kept(alpha, receiver, delivery_to):
    receiver.script = [500]
    receiver.reply = "错误".encode() * 5000
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert len(stored.response_excerpt) == 500
    assert stored.response_excerpt.startswith("错误错误")


def test_a_delivery_to_an_endpoint_disabled_meanwhile_fails_without_a_request(
    alpha, receiver, delivery_to
):
    delivery = delivery_to(receiver.url)
    with schema_context(alpha.schema):
        services.webhook_endpoint_update(
            actor=alpha.owner(), endpoint=delivery.endpoint, is_active=False
        )

        result = attempt_delivery(delivery.pk)
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.status == "skipped"
    assert (stored.status, stored.error) == ("failed", "The endpoint is disabled.")
    assert receiver.received == []


def test_the_log_names_the_delivery_but_never_the_secret_signature_or_url(
    alpha, receiver, delivery_to, caplog
):
    delivery = delivery_to(receiver.url + "?token=receiver-credential")

    # (At the default level, INFO. urllib3 itself logs the URL at DEBUG.)
    with caplog.at_level(logging.INFO), schema_context(alpha.schema):
        attempt_delivery(delivery.pk)

    signature = receiver.received[0].headers["Tradepost-Signature"]
    assert f"webhook delivery {delivery.pk}" in caplog.text
    assert delivery.endpoint.secret not in caplog.text
    assert signature.split("v1=")[1] not in caplog.text
    assert "receiver-credential" not in caplog.text
    assert "/hooks/tradepost" not in caplog.text


def test_without_a_worker_the_task_makes_one_attempt_and_does_not_spin(
    alpha, receiver, delivery_to
):
    # Celery runs tasks in-process without Redis: a retry would run at once, in the
    # request that committed. The task leaves the delivery retrying instead.
    receiver.script = [500, 500, 500]
    delivery = delivery_to(receiver.url)

    with schema_context(alpha.schema):
        result = deliver_webhook.apply(args=[delivery.pk])
        stored = WebhookDelivery.objects.get(pk=delivery.pk)

    assert result.get() == "retrying"
    assert (stored.status, stored.attempts) == ("retrying", 1)
    assert len(receiver.received) == 1


def test_deliveries_whose_task_was_lost_are_queued_again(
    alpha, delivery_to, queued, django_capture_on_commit_callbacks
):
    lost = delivery_to("https://lost.example.test/")
    recent = delivery_to("https://recent.example.test/", event_type="user.joined")
    with schema_context(alpha.schema):
        WebhookDelivery.objects.filter(pk=lost.pk).update(
            status="retrying", next_attempt_at=timezone.now() - timedelta(hours=1)
        )
        WebhookDelivery.objects.filter(pk=recent.pk).update(
            next_attempt_at=timezone.now() - timedelta(minutes=1)
        )
        queued.deliveries.clear()

        with django_capture_on_commit_callbacks() as callbacks:
            count = requeue_stalled_deliveries.apply().get()

    assert count == 1
    assert queued.deliveries == [lost.pk]
    assert len(callbacks) == 1
