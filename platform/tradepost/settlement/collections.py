"""Collections (催款): who is overdue, what was said, and reminders by e-mail.

* `overdue_accounts(actor)`: the customers in the actor's scope with invoices past
  due — the salesperson's overdue list — most overdue first.
* `collection_note_add`: a note of a call or visit, or the customer's promise to pay
  an amount by a date (salespeople for their customers, finance for all).
* Reminders: when the workspace turns them on (`SettlementSettings.reminders_enabled`),
  a daily beat task (`settlement.tasks.payment_reminders`) e-mails each customer with
  overdue invoices — at most once every `reminder_every_days`, never one that opted out
  (`CustomerAccount.reminders`) or has no e-mail address — the list of what is overdue.
  E-mail leaves the workspace, so the workspace must be allowed to reach out
  (`tradepost.outreach`).
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from smtplib import SMTPException
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Min, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost import outreach
from tradepost.audit.services import audit_record
from tradepost.customers.models import Contact, Customer
from tradepost.customers.selectors import scope_q
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.settlement.models import CollectionNote, CustomerAccount, LedgerEntry
from tradepost.settlement.services import settings_get
from tradepost.text import header_safe

logger = logging.getLogger(__name__)


def overdue_accounts(actor: Actor, *, today: datetime.date | None = None) -> QuerySet[Any]:
    """Per customer in scope with an open invoice past due: the overdue amount, the
    oldest due date and the currency (`values()` rows), the oldest first."""
    today = today or timezone.localdate()
    return (
        LedgerEntry.objects.filter(
            scope_q(actor, "customer__"), amount__gt=0, open_amount__gt=0, due_date__lt=today
        )
        .values("customer_id", "customer__name", "customer__code", "currency")
        .annotate(overdue=Sum("open_amount"), oldest_due=Min("due_date"))
        .order_by("oldest_due", "customer_id")
    )


@transaction.atomic
def collection_note_add(
    *,
    actor: Actor,
    customer: Customer,
    text: str,
    promised_on: datetime.date | None = None,
    promised_amount: Decimal | None = None,
) -> CollectionNote:
    """Note what was said; with `promised_on` and `promised_amount`, a promise to pay."""
    documents.require(actor, "settlement.add_collectionnote")
    ensure_writable()
    documents.require_customer_visible(actor, customer)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("Write what was said.")]})
    promise = promised_on is not None or promised_amount is not None
    if promise:
        if promised_on is None or promised_amount is None:
            raise ValidationError(
                {"promised_on": [_("A promise to pay needs both a date and an amount.")]}
            )
        if promised_on < timezone.localdate():
            raise ValidationError({"promised_on": [_("A promise is for today or later.")]})
        promised_amount = documents.decimal_checked(
            promised_amount,
            field="promised_amount",
            places=arithmetic.CENT,
            maximum=documents.MAX_AMOUNT,
            positive=True,
        )
    note = CollectionNote.objects.create(
        customer=customer,
        kind=CollectionNote.Kind.PROMISE if promise else CollectionNote.Kind.NOTE,
        text=text[:500],
        promised_on=promised_on,
        promised_amount=promised_amount or Decimal("0"),
        created_by=documents.actor_user(actor),
    )
    return note


# --- Reminders ---------------------------------------------------------------------------
def reminders_due(today: datetime.date | None = None) -> list[CustomerAccount]:
    """The accounts to remind today (see the module docstring); none when the workspace
    has reminders off."""
    settings = settings_get()
    if not settings.reminders_enabled:
        return []
    today = today or timezone.localdate()
    since = timezone.now() - datetime.timedelta(days=settings.reminder_every_days)
    overdue = LedgerEntry.objects.filter(
        amount__gt=0, open_amount__gt=0, due_date__lt=today
    ).values("customer_id")
    return list(
        CustomerAccount.objects.filter(reminders=True, customer_id__in=overdue)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lt=since))
        .select_related("customer")
        .order_by("customer_id")
    )


def _address(customer: Customer) -> str:
    contact = (
        Contact.objects.filter(customer=customer)
        .exclude(email="")
        .order_by("-is_primary", "pk")
        .values_list("email", flat=True)
        .first()
    )
    return contact or customer.email


def reminder_send(account: CustomerAccount, *, workspace: str, language: str) -> bool:
    """E-mail `account`'s customer its overdue invoices; True when it went out. The
    address and the mail server's reply stay out of the log."""
    customer = account.customer
    to = _address(customer)
    if not to:
        return False
    today = timezone.localdate()
    items = list(
        LedgerEntry.objects.filter(
            customer=customer, amount__gt=0, open_amount__gt=0, due_date__lt=today
        ).order_by("due_date", "pk")
    )
    if not items:
        return False
    context = {
        "customer": customer,
        "items": [{"entry": e, "days": (today - e.due_date).days} for e in items if e.due_date],
        "total": sum((e.open_amount for e in items), Decimal("0")),
        "currency": account.currency,
        "workspace": header_safe(workspace),
    }
    with translation.override(language):
        subject = header_safe(render_to_string("settlement/email/reminder_subject.txt", context))
        body = render_to_string("settlement/email/reminder.txt", context)
    try:
        EmailMessage(subject, body, None, [to]).send()
    except (SMTPException, OSError, ValueError) as exc:
        logger.warning("reminder to customer %s failed: %s", customer.pk, type(exc).__name__)
        return False
    CustomerAccount.objects.filter(pk=account.pk).update(reminded_at=timezone.now())
    audit_record(
        actor=None,
        action="payment_reminder.sent",
        target=customer,
        data={"invoices": [e.reference for e in items], "total": str(context["total"])},
    )
    return True


def reminders_run(*, workspace: str, language: str) -> int:
    """Send today's reminders of the current workspace; how many went out."""
    accounts = reminders_due()
    if not accounts:
        return 0
    try:
        outreach.require_allowed()
    except ValidationError:
        logger.info("payment reminders skipped: the workspace may not send e-mail yet")
        return 0
    return sum(reminder_send(a, workspace=workspace, language=language) for a in accounts)
