"""Background work for sales. Tasks take ids and run in the sender's schema."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from django.core.mail import EmailMessage
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import get_tenant_model

from tradepost.celery import app
from tradepost.sales.models import Quote
from tradepost.sales.pdf import quote_pdf
from tradepost.text import header_safe

logger = logging.getLogger(__name__)

QUOTE_EMAIL_ATTEMPTS = 4
RETRY_DELAY_SECONDS = 60


@app.task(
    bind=True, name="tradepost.sales.tasks.quote_email_send", max_retries=QUOTE_EMAIL_ATTEMPTS - 1
)
def quote_email_send(self, quote_id: int, to: str, message: str, language: str) -> bool:
    """E-mail quote `quote_id` as a PDF attachment to `to`, worded in `language` (the
    sender's when they sent it). A mail server that fails is tried again later; the
    address and the server's reply stay out of the log."""
    quote = Quote.objects.select_related("customer", "owner").filter(pk=quote_id).first()
    if quote is None:
        return False
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    with translation.override(language):
        context = {"quote": quote, "workspace": header_safe(tenant.name), "message": message}
        subject = header_safe(render_to_string("sales/email/quote_subject.txt", context))
        body = render_to_string("sales/email/quote.txt", context)
        attachment = quote_pdf(quote)
    email = EmailMessage(subject, body, None, [to])
    email.attach(f"{quote.number}.pdf", attachment, "application/pdf")
    try:
        email.send()
    except (SMTPException, OSError, ValueError) as exc:
        logger.warning("quote %s: e-mail failed: %s", quote.pk, type(exc).__name__)
        return self.retry(
            exc=exc,
            countdown=RETRY_DELAY_SECONDS * 2**self.request.retries,
            throw=not self.request.is_eager,
        )
    logger.info("quote %s e-mailed", quote.pk)
    return True
