"""Quote services: create, edit, send, accept, decline, cancel and convert into an
order. The browser, the API and the demo call these; each runs in one transaction,
checks the actor's permission and the quote's scope (`selectors.quotes_visible_to`,
which follows the customer scope), refuses writes in a read-only workspace, locks the
quote row for status changes and writes an audit entry.

The life of a quote (`Quote.Status`); every step needs `sales.change_quote` except
creating (`sales.add_quote`):

| step                    | from                   | to        | refused when expired |
|-------------------------|------------------------|-----------|----------------------|
| create                  | (new)                  | draft     | (valid until ≥ today) |
| edit lines, validity    | draft                  | draft     | —                    |
| send to the customer    | draft                  | sent      | yes                  |
| accept / decline        | sent                   | accepted / declined | accept only |
| cancel                  | draft, sent, accepted  | cancelled | —                    |
| convert into an order   | sent, accepted         | converted | yes                  |

The table is declared once, as `LIFECYCLE` below (`tradepost.lifecycle`): the services
run each step through it; the quote's page and the API's `allowed_actions` read it.

A quote is expired when its `valid_until` is before today (the workspace's date); an
expired quote stays in its status but can no longer be sent, accepted or converted.

Numbers: a quote is numbered when it is created, from the workspace's "quote"
sequence of the current year ("QT-2026-00001"), gap-free
(`masterdata.services.document_number_next`, taken last in the transaction).

Pricing is the orders' (`pricing.documents.lines_price`) on the quote's issue date: the
price given on the line, else the customer's resolved price; the best promotion per
line, then the line's own discount, then tax.

Converting (`quote_convert`) creates a draft order through `orders.order_create` with
the quote's products, quantities, discounts and descriptions, and each line's quoted
unit price as a fixed price (price source "quote"), so the customer pays what was
quoted. Promotions are not copied: they are evaluated again on the order date, so a
promotion that has ended since the quote no longer applies, and one that started
since does. Converting takes the quote's row lock first: of two conversions at once,
one makes the order and the other is refused ("already converted").
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost import outreach
from tradepost.accounts.models import User
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.customers.models import Customer
from tradepost.customers.services import check_choices
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.services import document_number_next
from tradepost.pipeline.models import Opportunity
from tradepost.pricing import documents
from tradepost.principals import Actor
from tradepost.sales import selectors
from tradepost.sales.models import Order, Quote, QuoteLine

S = Quote.Status
DEFAULT_VALIDITY_DAYS = 30
EDITABLE = (S.DRAFT,)
OPEN = (S.DRAFT, S.SENT, S.ACCEPTED)
CONVERTIBLE = (S.SENT, S.ACCEPTED)
EDITABLE_FIELDS = frozenset({"valid_until", "notes"})
MAX_NOTES = 5000


def quote_is_expired(quote: Quote, today: datetime.date | None = None) -> bool:
    """True when an open quote's validity has ended (before `today`)."""
    today = today or timezone.localdate()
    return quote.status in OPEN and quote.valid_until < today


def _not_expired(actor: Actor, quote: Quote, transition: Transition) -> None:
    """An expired quote can no longer be sent, accepted or converted."""
    if quote_is_expired(quote):
        raise ValidationError(
            {
                "valid_until": [
                    _(
                        "This quote expired on %(date)s and cannot be %(action)s. "
                        "Make a new quote for the customer."
                    )
                    % {"date": quote.valid_until.isoformat(), "action": transition.verb}
                ]
            }
        )


LIFECYCLE: Lifecycle[Quote] = Lifecycle(
    model=Quote,
    path=[Quote.Status.DRAFT, Quote.Status.SENT, Quote.Status.ACCEPTED, Quote.Status.CONVERTED],
    refusal=gettext_lazy("A quote that is “%(status)s” cannot be %(action)s."),
    visible=selectors.quotes_visible_to,
    not_visible=gettext_lazy("This quote is not yours to change."),
    refresh=("status", "valid_until", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=EDITABLE,
            target=None,
            permission="sales.change_quote",
            action="quote.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "send",
            source=EDITABLE,
            target=S.SENT,
            permission="sales.change_quote",
            guards=[_not_expired],
            action="quote.sent",
            verb=pgettext_lazy("cannot be …", "sent"),
        ),
        Transition(
            "accept",
            source=[S.SENT],
            target=S.ACCEPTED,
            permission="sales.change_quote",
            guards=[_not_expired],
            action="quote.accepted",
            verb=pgettext_lazy("cannot be …", "accepted"),
        ),
        Transition(
            "decline",  # also after the quote expired
            source=[S.SENT],
            target=S.DECLINED,
            permission="sales.change_quote",
            action="quote.declined",
            verb=pgettext_lazy("cannot be …", "declined"),
        ),
        Transition(
            "convert",
            source=CONVERTIBLE,
            target=S.CONVERTED,
            permission=("sales.change_quote", "sales.add_order"),
            guards=[_not_expired],
            already=gettext_lazy("This quote has already been converted."),
            action="quote.converted",
            verb=pgettext_lazy("cannot be …", "converted"),
        ),
        Transition(
            "cancel",
            source=OPEN,
            target=S.CANCELLED,
            permission="sales.change_quote",
            action="quote.cancelled",
            verb=pgettext_lazy("cannot be …", "cancelled"),
        ),
    ],
)


def _valid_until(issued_on: datetime.date, valid_until: datetime.date | None) -> datetime.date:
    if valid_until is None:
        try:
            valid_until = issued_on + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
        except OverflowError:
            raise ValidationError({"issued_on": [_("Enter a real date.")]}) from None
    if valid_until < issued_on:
        raise ValidationError(
            {"valid_until": [_("The validity cannot end before the quote's date.")]}
        )
    if valid_until < timezone.localdate():
        raise ValidationError({"valid_until": [_("The validity must last until today or later.")]})
    return valid_until


class QuoteChanges(TypedDict, total=False):
    """What `quote_update` may change besides the lines."""

    valid_until: datetime.date | None
    notes: str


def _notes(value: str | None) -> str:
    notes = value or ""
    if len(notes) > MAX_NOTES:
        raise ValidationError(
            {"notes": [_("Use at most %(count)d characters.") % {"count": MAX_NOTES}]}
        )
    return notes


def _opportunity(opportunity: Opportunity | None, customer: Customer) -> Opportunity | None:
    if opportunity is not None and opportunity.customer_id != customer.pk:
        raise ValidationError(
            {"opportunity": [_("Choose an opportunity of the quote's customer.")]}
        )
    return opportunity


def _write_lines(quote: Quote, priced: list[documents.PricedLine], *, new: bool = False) -> None:
    lines_replace(
        quote.lines, (QuoteLine(quote=quote, **line.fields()) for line in priced), new=new
    )


@transaction.atomic
def quote_create(
    *,
    actor: Actor,
    customer: Customer,
    lines: Iterable[documents.LineInput | documents.LineRequest],
    currency: str | None = None,
    issued_on: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    opportunity: Opportunity | None = None,
    owner: User | None = None,
    notes: str = "",
) -> Quote:
    """A numbered draft quote for `customer` with lines priced on `issued_on` (default
    today), valid for 30 days unless `valid_until` says otherwise. The salesperson is
    `owner`, else the customer's owner, else the actor."""
    documents.require(actor, "sales.add_quote")
    documents.require_customer_visible(actor, customer)
    check_choices(actor, {"owner": owner})  # a salesperson given must be within reach
    ensure_writable()
    if not customer.is_active:
        raise ValidationError({"customer": [_("This customer is inactive.")]})
    issued_on = issued_on or timezone.localdate()
    valid_until = _valid_until(issued_on, valid_until)
    opportunity = _opportunity(opportunity, customer)
    currency = documents.currency_value(currency, customer.currency)
    notes = _notes(notes)
    requests = documents.line_requests(lines)
    priced, totals = documents.lines_price(
        customer=customer, requests=requests, on_date=issued_on, currency=currency
    )
    user = documents.actor_user(actor)
    quote = Quote.objects.create(
        # Numbering last: the sequence row stays locked until this transaction ends.
        number=document_number_next(key="quote"),
        customer=customer,
        owner=owner if owner is not None else (customer.owner or user),
        opportunity=opportunity,
        currency=currency,
        issued_on=issued_on,
        valid_until=valid_until,
        notes=notes,
        created_by=user,
        **documents.totals_fields(totals),
    )
    _write_lines(quote, priced, new=True)
    audit_record(
        actor=actor,
        action="quote.created",
        target=quote,
        data={
            "number": quote.number,
            "customer": customer.pk,
            "gross_total": str(quote.gross_total),
        },
    )
    return quote


@transaction.atomic
def quote_update(
    *,
    actor: Actor,
    quote: Quote,
    lines: Iterable[documents.LineInput | documents.LineRequest] | None = None,
    **changes: Unpack[QuoteChanges],
) -> Quote:
    """Change a draft quote: its lines (re-priced on the quote's date), how long it is
    valid and its notes. A sent quote is fixed: cancel it and make a new one."""
    step = LIFECYCLE.start("edit", actor=actor, document=quote)
    quote = step.lock()
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({field: [_("This field cannot be changed.")] for field in unknown})
    if "valid_until" in changes:
        if changes["valid_until"] is None:
            raise ValidationError({"valid_until": [_("Enter a date.")]})
        quote.valid_until = _valid_until(quote.issued_on, changes["valid_until"])
    if "notes" in changes:
        quote.notes = _notes(changes["notes"])
    if lines is not None:
        requests = documents.line_requests(lines)
        priced, totals = documents.lines_price(
            customer=quote.customer,
            requests=requests,
            on_date=quote.issued_on,
            currency=quote.currency,
        )
        for field, value in documents.totals_fields(totals).items():
            setattr(quote, field, value)
        _write_lines(quote, priced)
    quote.save()
    return step.finish(data={"fields": sorted(changes) + (["lines"] if lines is not None else [])})


def _step(name: str, actor: Actor, quote: Quote) -> Quote:
    step = LIFECYCLE.start(name, actor=actor, document=quote)
    locked = step.lock()
    return step.finish(data={"from": locked.status})


@transaction.atomic
def quote_send(*, actor: Actor, quote: Quote) -> Quote:
    """The draft went to the customer; from now on its lines are fixed."""
    return _step("send", actor, quote)


MAX_EMAIL_MESSAGE = 2000


@transaction.atomic
def quote_email(*, actor: Actor, quote: Quote, to: str, message: str = "") -> Quote:
    """E-mail the quote's PDF to `to` (a parsed address) with `message`, in the
    background after commit (`sales.tasks.quote_email_send`). A draft is marked as sent
    first (the "send" step: its permission and rules); a sent or accepted quote is
    e-mailed again by whoever may send quotes. Recorded in the quote's history."""
    outreach.require_allowed()  # e-mail goes outside the workspace: confirmed owners only
    if len(message) > MAX_EMAIL_MESSAGE:
        raise ValidationError({"message": [_("Use at most 2000 characters.")]})
    if quote.status in EDITABLE:
        quote = _step("send", actor, quote)
    else:
        LIFECYCLE.start("send", actor=actor, document=quote)  # permission and scope
        if quote.status not in OPEN:
            raise LIFECYCLE.status_refusal(quote, pgettext_lazy("cannot be …", "e-mailed"))
    ensure_writable()
    audit_record(actor=actor, action="quote.emailed", target=quote, data={"to": to})
    language = translation.get_language() or "en"
    enqueue_on_commit("tradepost.sales.tasks.quote_email_send", quote.pk, to, message, language)
    return quote


@transaction.atomic
def quote_accept(*, actor: Actor, quote: Quote) -> Quote:
    """The customer accepted a sent quote within its validity."""
    return _step("accept", actor, quote)


@transaction.atomic
def quote_decline(*, actor: Actor, quote: Quote) -> Quote:
    """The customer said no (also after the quote expired)."""
    return _step("decline", actor, quote)


@transaction.atomic
def quote_cancel(*, actor: Actor, quote: Quote) -> Quote:
    """Withdraw a quote that has not become an order."""
    return _step("cancel", actor, quote)


@transaction.atomic
def quote_convert(*, actor: Actor, quote: Quote, order_date: datetime.date | None = None) -> Order:
    """Turn a sent or accepted quote, still valid, into a draft order at the quoted
    unit prices (see the module docstring: promotions are evaluated again on the order
    date). The quote becomes converted; the order links back to it. Needs
    `sales.change_quote` and `sales.add_order`."""
    from tradepost.sales.orders import order_create

    step = LIFECYCLE.start("convert", actor=actor, document=quote)
    locked = step.lock()
    lines = list(locked.lines.select_related("product").order_by("position", "pk"))
    order = order_create(
        actor=actor,
        customer=locked.customer,
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "discount_percent": line.discount_percent,
                "description": line.description,
            }
            for line in lines
        ],
        currency=locked.currency,
        order_date=order_date,
        quote=locked,
        fixed_prices={line.product_id: (line.unit_price, documents.QUOTE_PRICE) for line in lines},
        owner=locked.owner,
    )
    step.finish(data={"from": locked.status, "order": order.pk})
    return order
