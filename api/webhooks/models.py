"""Webhook endpoints, the event outbox and one delivery per (endpoint, event).

All live in each workspace's schema: an endpoint only ever hears its own workspace.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """A URL of the workspace's that receives the event types it subscribes to.

    The secret is stored in plain text on purpose: every request is signed with it
    (HMAC), so unlike an API key it cannot be kept as a digest. It is shown once,
    when the endpoint is created, and never returned by the API or the page again.
    """

    url = models.URLField(
        _("URL"), max_length=2000, validators=[URLValidator(schemes=["http", "https"])]
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("event types"), default=list)
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        # Never the secret: reprs end up in logs, error reports and debuggers.
        return f"<WebhookEndpoint #{self.pk}: {self.url}>"


class WebhookEvent(models.Model):
    """One event in the outbox, written in the transaction of the change it reports.

    Its id is the event id receivers see (unique within the workspace; receivers
    de-duplicate on it, as a retry or a redelivery sends the same event again).
    """

    event_type = models.CharField(_("event type"), max_length=80, db_index=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk}"


class WebhookDelivery(models.Model):
    """Sending one event to one endpoint: its state and the last attempt's outcome.

    `attempts` counts attempts since the delivery was created or last redelivered by
    hand; the retry schedule and the attempt limit start again with a redelivery.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When the next attempt is due; while an attempt runs, when its claim lapses.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhooks_one_delivery_per_endpoint_event"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhooks_delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"delivery #{self.pk} ({self.status})"
