"""API keys, idempotency records and outbound webhooks. All live in each tenant's
schema: a key, a replayed response or a webhook never crosses workspaces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role


class ApiKey(models.Model):
    """A bearer key for integrators, acting with the permissions of one role.

    Only a SHA-256 digest of the secret is stored; the key is shown once at creation.
    The prefix (the key's first characters) finds the row without revealing the key.
    """

    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an `Idempotency-Key` header.

    `principal` is who sent it (an API key or a user), so two clients may use the same
    key. Records older than 24 hours no longer count and are purged by a beat task.
    """

    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    response_content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "key"], name="idempotency_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.principal}:{self.key}"
