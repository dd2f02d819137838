"""Master agreements (seed S2: a framework contract signed once with a big customer,
local orders placed under it): agreed tax-exclusive prices and quantity caps per
product for a period, in one currency.

An order under an agreement takes the agreement's prices (a product not in it is
refused) and may not push the quantity ordered under the agreement — over every
order not cancelled or rejected — past a line's cap. The check runs with the
agreement's row locked, so two orders racing for the last units cannot both pass.

The life of an agreement (`Agreement.Status`), with the permission each step needs:

| step                                 | from           | permission       |
|--------------------------------------|----------------|------------------|
| create (numbered MA-<year>-<n>)      | (new)          | add_agreement    |
| change lines, currency, start date   | draft          | change_agreement |
| change name, notes, end date         | draft, active  | change_agreement |
| activate (takes orders from now on)  | draft          | change_agreement |
| close (takes no more orders)         | active         | change_agreement |

The table is declared once, as `LIFECYCLE` below (`tradepost.lifecycle`): the services
run each step through it; the agreement's page and the API's `allowed_actions` read it.

The customer must be in the actor's scope. Every write runs in one transaction,
refuses in a read-only workspace, locks the agreement row, and writes an audit entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NotRequired, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.channel.models import Agreement, AgreementLine
from tradepost.channel.selectors import agreements_visible_to
from tradepost.customers.models import Customer
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.lifecycle.rows import lines_replace
from tradepost.masterdata.models import Product
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales.models import Order, OrderLine

# Orders whose quantities count against an agreement's caps.
COUNTED_STATUSES = [
    status
    for status in Order.Status.values
    if status not in (Order.Status.CANCELLED, Order.Status.REJECTED)
]


quantity_text = decimal_text  # 10, not 1E+1 (see pricing.lines)


def agreement_prices(agreement: Agreement) -> dict[int, Decimal]:
    return dict(agreement.lines.values_list("product_id", "unit_price"))


def agreement_prices_for_order(
    agreement: Agreement, *, customer: Customer, on_date: datetime.date
) -> dict[int, Decimal]:
    """The agreement's prices for an order, after checking it — on its row, locked
    until the order is saved, so an agreement closed meanwhile cannot take the order.
    Orders reach this through `sales.order_terms`."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    agreement_check_usable(agreement, customer=customer, on_date=on_date)
    return agreement_prices(agreement)


def agreement_check_usable(
    agreement: Agreement, *, customer: Customer, on_date: datetime.date
) -> None:
    """The agreement must be active, the customer's, and cover `on_date`."""
    if agreement.customer_id != customer.pk:
        raise ValidationError({"agreement": [_("This agreement belongs to another customer.")]})
    if agreement.status != Agreement.Status.ACTIVE:
        raise ValidationError({"agreement": [_("Only an active agreement takes orders.")]})
    if not agreement.starts_on <= on_date <= agreement.ends_on:
        raise ValidationError(
            {
                "agreement": [
                    _("The agreement runs from %(start)s to %(end)s; the order date is outside.")
                    % {"start": agreement.starts_on, "end": agreement.ends_on}
                ]
            }
        )


def agreement_caps_check(
    agreement: Agreement,
    quantities: dict[int, Decimal],
    *,
    exclude_order_id: int | None = None,
) -> None:
    """Refuse when ordering `quantities` (product id → quantity) would exceed a cap.

    Locks the agreement row first; call inside the transaction that saves the order.
    """
    Agreement.objects.select_for_update().filter(pk=agreement.pk).first()
    caps, skus = {}, {}
    for product_id, cap, sku in agreement.lines.values_list(
        "product_id", "max_quantity", "product__sku"
    ):
        skus[product_id] = sku
        if cap is not None:
            caps[product_id] = cap
    if not caps:
        return
    used_rows = (
        # exclude_order_id=None (a new order) excludes nothing.
        OrderLine.objects.filter(  # type: ignore[misc]
            order__agreement=agreement,
            order__status__in=COUNTED_STATUSES,
            product_id__in=list(caps),
        )
        .exclude(order_id=exclude_order_id)
        .values("product_id")
        .annotate(total=Sum("quantity"))
    )
    used = {row["product_id"]: row["total"] for row in used_rows}
    errors = []
    for product_id, quantity in quantities.items():
        cap = caps.get(product_id)
        if cap is None:
            continue
        already = used.get(product_id) or Decimal("0")
        if already + quantity > cap:
            errors.append(
                _(
                    "The agreement caps product %(product)s at %(cap)s; %(used)s is already "
                    "ordered, so at most %(left)s more."
                )
                % {
                    "product": skus[product_id],
                    "cap": quantity_text(cap),
                    "used": quantity_text(already),
                    "left": quantity_text(max(cap - already, Decimal("0"))),
                }
            )
    if errors:
        raise ValidationError({"lines": errors})


# --- Reading -------------------------------------------------------------------------
def lines_with_usage() -> QuerySet[AgreementLine]:
    """Agreement lines with their product and `ordered`: Σ quantity of the product on
    orders under the line's agreement that count against caps (one query for any
    number of agreements, e.g. as a prefetch)."""
    ordered = (
        OrderLine.objects.filter(
            order__agreement_id=OuterRef("agreement_id"),
            product_id=OuterRef("product_id"),
            order__status__in=COUNTED_STATUSES,
        )
        .order_by()
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    quantity = DecimalField(max_digits=15, decimal_places=3)
    return (
        AgreementLine.objects.select_related("product")
        .annotate(ordered=Coalesce(Subquery(ordered, output_field=quantity), Value(Decimal("0"))))
        .order_by("product__sku", "pk")
    )


def line_remaining(line: AgreementLine) -> Decimal | None:
    """What may still be ordered on a line with `ordered` annotated; None: no cap."""
    if line.max_quantity is None:
        return None
    ordered: Decimal = line.ordered  # type: ignore[attr-defined]  # annotated by the query
    return max(line.max_quantity - ordered, Decimal("0"))


@dataclass(frozen=True)
class LineUsage:
    """One line of an agreement: the agreed price, the cap, what orders under the
    agreement hold of it so far (not cancelled or rejected) and what is left."""

    line: AgreementLine
    product: Product
    unit_price: Decimal
    cap: Decimal | None
    ordered: Decimal
    remaining: Decimal | None

    @property
    def percent_used(self) -> Decimal | None:
        if not self.cap:
            return None
        return min(self.ordered * 100 / self.cap, Decimal("100")).quantize(Decimal("1"))


def agreement_usage(agreement: Agreement) -> list[LineUsage]:
    """Per line: cap, ordered so far (statuses in `COUNTED_STATUSES`), remaining."""
    return [
        LineUsage(
            line=line,
            product=line.product,
            unit_price=line.unit_price,
            cap=line.max_quantity,
            ordered=line.ordered,  # type: ignore[attr-defined]  # annotated by the query
            remaining=line_remaining(line),
        )
        for line in lines_with_usage().filter(agreement_id=agreement.pk)
    ]


def _visible(actor: Actor) -> QuerySet[Agreement]:
    return agreements_visible_to(actor)


def agreement_list(actor: Actor, *, status: str | None = None) -> QuerySet[Agreement]:
    """Agreements in the actor's scope for a list: customer joined, lines and counted
    orders counted."""
    agreements = _visible(actor).select_related("customer")
    if status:
        agreements = agreements.filter(status=status)
    return agreements.annotate(
        line_count=Count("lines", distinct=True),
        order_count=Count("orders", filter=Q(orders__status__in=COUNTED_STATUSES), distinct=True),
    ).order_by("-starts_on", "-pk")


def agreement_get(actor: Actor, agreement_id: int | str) -> Agreement:
    """One agreement in scope with its lines (and their usage), or Http404."""
    try:
        return (
            _visible(actor)
            .select_related("customer", "created_by")
            .prefetch_related(Prefetch("lines", queryset=lines_with_usage()))
            .get(pk=agreement_id)
        )
    except (Agreement.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def agreement_orders(agreement: Agreement) -> QuerySet[Order]:
    """The orders placed under the agreement, newest first."""
    return agreement.orders.select_related("owner").order_by("-order_date", "-pk")


# --- Checks --------------------------------------------------------------------------
MAX_NAME = 200
MAX_NOTES = 5000
HEADER_FIELDS = ("name", "notes", "ends_on")  # may change while draft or active
DRAFT_FIELDS = ("currency", "starts_on")  # and the lines: only while draft


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > max_length:
        raise ValidationError({field: [_("At most %(count)d characters.") % {"count": max_length}]})
    return text


def _check_period(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The agreement cannot end before it starts.")]})


class AgreementLineInput(TypedDict):
    """An agreement's line as a form or serializer parsed it: the agreed price (None:
    missing) and an optional cap."""

    product: Product
    unit_price: Decimal | None
    max_quantity: NotRequired[Decimal | None]


class AgreementChanges(TypedDict, total=False):
    """What `agreement_update` may change besides the lines (`HEADER_FIELDS`, and
    `DRAFT_FIELDS` while a draft)."""

    name: str
    notes: str
    ends_on: datetime.date
    currency: str
    starts_on: datetime.date


def agreement_lines(
    items: Iterable[AgreementLineInput] | None,
) -> list[tuple[Product, Decimal, Decimal | None]]:
    """Check the lines: each an active product once, an agreed unit price (tax-
    exclusive, two decimal places) and an optional cap above zero."""
    items = list(items or [])
    if len(items) > documents.MAX_LINES:
        raise ValidationError(
            {
                "lines": [
                    _("At most %(count)d lines per agreement.") % {"count": documents.MAX_LINES}
                ]
            }
        )
    result: list[tuple[Product, Decimal, Decimal | None]] = []
    errors: list[str] = []
    for index, item in enumerate(items, start=1):
        try:
            product = item.get("product")
            if not isinstance(product, Product):
                raise ValidationError({"product": [_("Select a product.")]})
            if not product.is_active:
                raise ValidationError(
                    {"product": [_("%(sku)s is no longer sold.") % {"sku": product.sku}]}
                )
            price = item.get("unit_price")
            if price is None:
                raise ValidationError({"unit_price": [_("Enter the agreed price.")]})
            unit_price = documents.decimal_checked(
                price,
                field="unit_price",
                places=arithmetic.CENT,
                maximum=documents.MAX_PRICE,
            )
            cap = item.get("max_quantity")
            if cap is not None:
                cap = documents.decimal_checked(
                    cap,
                    field="max_quantity",
                    places=documents.QUANTITY_PLACES,
                    maximum=documents.MAX_QUANTITY,
                    positive=True,
                )
        except ValidationError as exc:
            errors.extend(
                _("Line %(line)d, %(field)s: %(message)s")
                % {"line": index, "field": field, "message": message}
                for field, messages in exc.message_dict.items()
                for message in messages
            )
            continue
        result.append((product, unit_price, cap))
    if errors:
        raise ValidationError({"lines": errors})
    products = [product.pk for product, _price, _cap in result]
    if len(products) != len(set(products)):
        raise ValidationError(
            {"lines": [_("Each product once per agreement: one price and one cap.")]}
        )
    return result


def _require_customer(actor: Actor, customer: Customer) -> None:
    if not isinstance(customer, Customer):
        raise ValidationError({"customer": [_("Select a valid customer.")]})
    documents.require_customer_visible(actor, customer)
    if not customer.is_active:
        raise ValidationError({"customer": [_("This customer is inactive.")]})


LIFECYCLE: Lifecycle[Agreement] = Lifecycle(
    model=Agreement,
    path=[Agreement.Status.DRAFT, Agreement.Status.ACTIVE, Agreement.Status.CLOSED],
    refusal=gettext_lazy("An agreement that is “%(status)s” cannot be %(action)s."),
    visible=agreements_visible_to,
    not_visible=gettext_lazy("This agreement is not yours to change."),
    transitions=[
        Transition(
            "edit",  # a draft entirely; an active one only its name, notes and end
            source=[Agreement.Status.DRAFT, Agreement.Status.ACTIVE],
            target=None,
            permission="channel.change_agreement",
            action="agreement.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "activate",
            source=[Agreement.Status.DRAFT],
            target=Agreement.Status.ACTIVE,
            permission="channel.change_agreement",
            action="agreement.activated",
            verb=pgettext_lazy("cannot be …", "activated"),
        ),
        Transition(
            "close",
            source=[Agreement.Status.ACTIVE],
            target=Agreement.Status.CLOSED,
            permission="channel.change_agreement",
            action="agreement.closed",
            verb=pgettext_lazy("cannot be …", "closed"),
        ),
    ],
)


def _write_lines(
    agreement: Agreement, lines: Iterable[tuple[Product, Decimal, Decimal | None]]
) -> None:
    lines_replace(
        agreement.lines,
        (
            AgreementLine(agreement=agreement, product=product, unit_price=price, max_quantity=cap)
            for product, price, cap in lines
        ),
    )


# --- Writing -------------------------------------------------------------------------
@transaction.atomic
def agreement_create(
    *,
    actor: Actor,
    customer: Customer,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    currency: str | None = None,
    lines: Iterable[AgreementLineInput] = (),
    notes: str = "",
) -> Agreement:
    """A draft agreement with `customer`: agreed prices (tax-exclusive, in `currency`,
    by default the customer's) and optional caps per product for [starts_on, ends_on].
    Numbered from the workspace's "agreement" sequence."""
    documents.require(actor, "channel.add_agreement")
    _require_customer(actor, customer)
    name = _text(name, field="name", max_length=MAX_NAME, required=True)
    notes = _text(notes, field="notes", max_length=MAX_NOTES)
    currency = documents.currency_value(currency, customer.currency)
    _check_period(starts_on, ends_on)
    checked = agreement_lines(lines)
    ensure_writable()
    agreement = Agreement.objects.create(
        # Numbering last: the sequence row stays locked until this transaction ends.
        number=document_number_next(key="agreement"),
        customer=customer,
        name=name,
        currency=currency,
        starts_on=starts_on,
        ends_on=ends_on,
        notes=notes,
        created_by=documents.actor_user(actor),
    )
    _write_lines(agreement, checked)
    audit_record(
        actor=actor,
        action="agreement.created",
        target=agreement,
        data={"customer": customer.pk, "lines": len(checked)},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    actor: Actor,
    agreement: Agreement,
    lines: Iterable[AgreementLineInput] | None = None,
    **changes: Unpack[AgreementChanges],
) -> Agreement:
    """Change an agreement. While it is a draft: everything but the customer (lines
    are replaced whole). Once active: only the name, the notes and the end date. A
    closed agreement does not change."""
    step = LIFECYCLE.start("edit", actor=actor, document=agreement)
    unknown = set(changes) - set(HEADER_FIELDS) - set(DRAFT_FIELDS)
    if unknown:
        raise ValidationError(
            {field: [_("This field cannot be changed.")] for field in sorted(unknown)}
        )
    locked = step.lock()
    if locked.status != Agreement.Status.DRAFT:
        draft_only = sorted(set(changes) & set(DRAFT_FIELDS)) + (
            ["lines"] if lines is not None else []
        )
        if draft_only:
            raise ValidationError(
                {
                    field: [_("Only a draft agreement's lines, currency and start change.")]
                    for field in draft_only
                }
            )
    if "name" in changes:
        locked.name = _text(changes["name"], field="name", max_length=MAX_NAME, required=True)
    if "notes" in changes:
        locked.notes = _text(changes["notes"], field="notes", max_length=MAX_NOTES)
    if "currency" in changes:
        locked.currency = documents.currency_value(changes["currency"], locked.currency)
    if "starts_on" in changes:
        locked.starts_on = changes["starts_on"]
    if "ends_on" in changes:
        locked.ends_on = changes["ends_on"]
    _check_period(locked.starts_on, locked.ends_on)
    checked = agreement_lines(lines) if lines is not None else None
    locked.save()
    if checked is not None:
        _write_lines(locked, checked)
    return step.finish(
        data={"fields": sorted(changes) + (["lines"] if checked is not None else [])}
    )


@transaction.atomic
def agreement_activate(*, actor: Actor, agreement: Agreement) -> Agreement:
    """A draft with at least one line, not yet ended, starts taking orders."""
    step = LIFECYCLE.start("activate", actor=actor, document=agreement)
    locked = step.lock()
    if not locked.lines.exists():
        raise ValidationError({"lines": [_("Add at least one product before activating.")]})
    if locked.ends_on < timezone.localdate():
        raise ValidationError(
            {"ends_on": [_("The agreement has already ended: move its end date first.")]}
        )
    return step.finish()


@transaction.atomic
def agreement_close(*, actor: Actor, agreement: Agreement) -> Agreement:
    """An active agreement takes no more orders; orders already under it go on."""
    return LIFECYCLE.run("close", actor=actor, document=agreement)
