"""The owner confirms the workspace's e-mail address before it can reach other people.

Sign-up stays instant: the workspace works at once. What abuse of a free workspace
needs — sending invitation e-mails to anyone, API keys for scripted use, webhooks
that make our servers call out — waits until the owner opens the link e-mailed to
`Tenant.owner_email`. `require_owner_verified()` is the gate the services of those
three call; a banner in the workspace says what to do until then.

The link carries a signed token (tenant id + owner e-mail, salted, timestamped):
nothing is stored, it expires after OWNER_VERIFICATION_DAYS, and a change of the
owner's address voids old links. Opening it only records the confirmation — it signs
nobody in — so a link scanner opening it does no harm.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.routing import routing_changed
from tenants.models import Tenant
from tradepost import ratelimit
from tradepost.links import workspace_url

logger = logging.getLogger(__name__)

_SALT = "tradepost.tenants.owner-verification"


class OwnerEmailUnverified(ValidationError):
    """The workspace owner has not confirmed their e-mail address yet.

    A ValidationError so every door shows its message where a person sees it: the
    forms at their top, the API as a 400 in the usual error shape.
    """

    def __init__(self):
        super().__init__(
            _(
                "Confirm your e-mail address first: open the link we sent to the "
                "workspace owner's address (you can have it sent again)."
            ),
            code="owner_unverified",
        )


class VerificationResendLimited(Exception):
    """Too many confirmation e-mails asked for in the last hour."""


def is_verified(tenant) -> bool:
    """Only workspaces need it; the public schema and CLI contexts count as verified."""
    if tenant is None or getattr(tenant, "kind", None) != Tenant.Kind.ACTIVE:
        return True
    return tenant.owner_verified_at is not None


def require_owner_verified() -> None:
    """Raise OwnerEmailUnverified in a workspace whose owner has not confirmed yet."""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "pk", None) and not is_verified(tenant):
        # The connection's tenant may be stale (loaded at the start of the request).
        tenant.owner_verified_at = (
            Tenant.objects.filter(pk=tenant.pk).values_list("owner_verified_at", flat=True).first()
        )
        if not is_verified(tenant):
            raise OwnerEmailUnverified()


def verification_token(tenant: Tenant) -> str:
    return signing.dumps({"t": tenant.pk, "e": tenant.owner_email.lower()}, salt=_SALT)


def verification_link(tenant: Tenant) -> str:
    path = reverse(
        "verification:confirm", args=[verification_token(tenant)], urlconf=settings.ROOT_URLCONF
    )
    return workspace_url(tenant, path)


def owner_email_confirm(*, tenant: Tenant, token: str) -> bool:
    """Record the confirmation if `token` is a live link for this workspace's owner."""
    try:
        data = signing.loads(
            token, salt=_SALT, max_age=settings.OWNER_VERIFICATION_DAYS * 24 * 3600
        )
    except signing.BadSignature:  # includes SignatureExpired
        return False
    if (
        not isinstance(data, dict)
        or data.get("t") != tenant.pk
        or data.get("e") != tenant.owner_email.lower()
    ):
        return False
    if tenant.owner_verified_at is None:
        tenant.owner_verified_at = timezone.now()
        Tenant.objects.filter(pk=tenant.pk, owner_verified_at__isnull=True).update(
            owner_verified_at=tenant.owner_verified_at
        )
        routing_changed()  # requests carry the cached tenant row (billing.routing)
        logger.info("workspace %s: owner e-mail confirmed", tenant.slug)
    return True


def verification_request_resend(*, tenant: Tenant) -> None:
    """Queue the confirmation e-mail again, at most OWNER_VERIFICATION_RESENDS_PER_HOUR
    times an hour per workspace (each one is an e-mail we send to that address)."""
    from tradepost.background import enqueue_on_commit

    limits = [ratelimit.Limit(settings.OWNER_VERIFICATION_RESENDS_PER_HOUR, 3600)]
    if ratelimit.hit(f"owner-verification:{tenant.pk}", limits) is not None:
        raise VerificationResendLimited()
    enqueue_on_commit("tenants.tasks.owner_verification_send", tenant.pk)
