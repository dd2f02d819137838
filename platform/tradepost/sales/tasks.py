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
from tradepost.sales.models import Order, Quote
from tradepost.sales.pdf import order_pdf, order_pdf_filename, quote_pdf
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
    return _send(
        self,
        "quote",
        quote,
        to,
        language,
        {"quote": quote, "message": message},
        lambda: (quote_pdf(quote), f"{quote.number}.pdf"),
    )


@app.task(
    bind=True, name="tradepost.sales.tasks.order_email_send", max_retries=QUOTE_EMAIL_ATTEMPTS - 1
)
def order_email_send(self, order_id: int, to: str, message: str, language: str) -> bool:
    """E-mail order `order_id`'s confirmation PDF to `to` (see `quote_email_send`)."""
    order = Order.objects.select_related("customer", "owner").filter(pk=order_id).first()
    if order is None:
        return False
    return _send(
        self,
        "order",
        order,
        to,
        language,
        {"order": order, "message": message},
        lambda: (order_pdf(order), order_pdf_filename(order)),
    )


def _send(task, kind: str, document, to: str, language: str, context: dict, pdf) -> bool:
    """Render `sales/email/<kind>_subject.txt` and `<kind>.txt` in `language`, attach the
    PDF `pdf()` gives (content, file name) and send; a failing mail server is tried
    again later. The address and the server's reply stay out of the log."""
    tenant = get_tenant_model().objects.get(schema_name=connection.schema_name)  # type: ignore[attr-defined]
    with translation.override(language):
        context = {**context, "workspace": header_safe(tenant.name)}
        subject = header_safe(render_to_string(f"sales/email/{kind}_subject.txt", context))
        body = render_to_string(f"sales/email/{kind}.txt", context)
        content, filename = pdf()
    email = EmailMessage(subject, body, None, [to])
    email.attach(filename, content, "application/pdf")
    try:
        email.send()
    except (SMTPException, OSError, ValueError) as exc:
        logger.warning("%s %s: e-mail failed: %s", kind, document.pk, type(exc).__name__)
        return task.retry(
            exc=exc,
            countdown=RETRY_DELAY_SECONDS * 2**task.request.retries,
            throw=not task.request.is_eager,
        )
    logger.info("%s %s e-mailed", kind, document.pk)
    return True
