"""Background work on the tenant registry (public schema)."""

from __future__ import annotations

import logging

from tenants import provisioning
from tradepost.celery import app

logger = logging.getLogger(__name__)


@app.task(name="tenants.tasks.refill_schema_pool")
def refill_schema_pool() -> int:
    """Top the pool of ready schemas up to TENANT_POOL_SIZE. Safe to run any time."""
    return provisioning.pool_refill()


@app.task(name="tenants.tasks.owner_verification_send")
def owner_verification_send(tenant_id: int) -> bool:
    """E-mail the workspace owner the link that confirms their address."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from tenants.models import Tenant
    from tenants.verification import verification_link

    tenant = Tenant.objects.filter(pk=tenant_id, kind=Tenant.Kind.ACTIVE).first()
    if tenant is None or tenant.owner_verified_at is not None:
        return False
    context = {"workspace": tenant.name, "link": verification_link(tenant)}
    subject = render_to_string("accounts/email/verify_owner_subject.txt", context).strip()
    body = render_to_string("accounts/email/verify_owner.txt", context)
    send_mail(subject, body, None, [tenant.owner_email])
    logger.info("workspace %s: owner confirmation e-mailed", tenant.slug)
    return True
