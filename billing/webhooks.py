"""Stripe's webhook endpoint, on the public domain: POST /billing/stripe/webhook/.

The signature (`Stripe-Signature`, HMAC-SHA256 with STRIPE_WEBHOOK_SECRET) is checked
on the raw body with a tolerance of 300 seconds; the event is stored once under its
unique id and applied. Answers: 200 applied (or seen before), 400 bad signature or
body, 503 webhooks not configured, 500 when applying failed (Stripe retries, and
`replay_stripe_events` applies it later).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import conf, services


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    if not conf.stripe_webhook_secret():
        return JsonResponse({"error": "Stripe webhooks are not configured"}, status=503)
    try:
        event = services.stripe_event_record(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except services.WebhookRejected:
        return JsonResponse({"error": "invalid signature or payload"}, status=400)
    try:
        outcome = services.stripe_event_process(event=event)
    except Exception:  # noqa: BLE001 - recorded on the event; Stripe will retry
        return JsonResponse({"received": True, "outcome": "failed"}, status=500)
    return JsonResponse({"received": True, "outcome": outcome})
