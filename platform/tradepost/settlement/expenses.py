"""Sales expenses (销售费用): claimed by salespeople, approved by a manager, paid by
finance.

    draft → submitted → approved → paid;  submitted → rejected → (edited) → submitted

A claim is for a customer, an order (its customer then) or a branch — at least one — in
the claimant's own scope, with the receipt: a PDF or an image of at most
`MAX_RECEIPT_BYTES` (the upload is capped before and while it is read by
`tradepost.uploads`; here the file's own size and first bytes are checked). Who reviews:
a holder of `settlement.review_expenseclaim` (sales managers, finance) who sees the
claim's customer — never the claimant. Finance (`pay_expenseclaim`) marks it paid.

Everyone sees their own claims; reviewers also the claims on customers in their scope;
finance, executives and administrators every claim.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer
from tradepost.customers.selectors import customer_scope, scope_q
from tradepost.lifecycle import AnyOf, Lifecycle, Permission, Transition
from tradepost.masterdata.models import Branch
from tradepost.masterdata.services import document_number_next
from tradepost.pricing import documents
from tradepost.pricing import lines as arithmetic
from tradepost.principals import Actor
from tradepost.sales.models import Order
from tradepost.settlement import money
from tradepost.settlement.models import ExpenseClaim

S = ExpenseClaim.Status
MAX_RECEIPT_BYTES = 5 * 1024 * 1024
# The first bytes of the files a receipt may be: PDF, PNG, JPEG, WebP.
RECEIPT_SIGNATURES = (b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF")
# What a stored receipt is, by its first bytes (`receipt_check` let only these in).
RECEIPT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"RIFF", "image/webp", "webp"),
)
# Who reads claims (the pages and the API): whoever claims (salespeople, who read only
# their own claims), reviews, pays or reads claims (executives, who claim nothing).
EXPENSE_PAGES: Permission = AnyOf(
    "settlement.add_expenseclaim",
    "settlement.review_expenseclaim",
    "settlement.pay_expenseclaim",
    "settlement.view_expenseclaim",
)


def expenses_visible_to(actor: Actor) -> QuerySet[ExpenseClaim]:
    """Own claims; a reviewer's also those on customers in scope; everything for whom
    the customer scope is everything and who may review or pay."""
    claims = ExpenseClaim.objects.all()
    if actor is None or not getattr(actor, "is_authenticated", False):
        return claims.none()
    sees_all = customer_scope(actor).everything and (
        actor.has_perm("settlement.review_expenseclaim")
        or actor.has_perm("settlement.pay_expenseclaim")
        or actor.has_perm("settlement.view_expenseclaim")
    )
    if sees_all:
        return claims
    own = Q(claimant_id=actor.pk) if actor.pk is not None else Q(pk__in=[])
    if actor.has_perm("settlement.review_expenseclaim"):
        own |= Q(customer__isnull=False) & scope_q(actor, "customer__")
    return claims.filter(own)


def expense_payload(claim: ExpenseClaim) -> dict[str, Any]:
    return {"id": claim.pk, "number": claim.number, "status": claim.status}


def _not_own(actor: Actor, claim: ExpenseClaim) -> None:
    if claim.claimant_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("Someone else must review your own claim."))


def _claimant(actor: Actor, claim: ExpenseClaim) -> None:
    if claim.claimant_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the claimant can change or submit a claim."))


LIFECYCLE: Lifecycle[ExpenseClaim] = Lifecycle(
    model=ExpenseClaim,
    path=[S.DRAFT, S.SUBMITTED, S.APPROVED, S.PAID],
    refusal=gettext_lazy("An expense claim that is “%(status)s” cannot be %(action)s."),
    visible=expenses_visible_to,
    not_visible=gettext_lazy("This expense claim is not yours to change."),
    payload=expense_payload,
    refresh=("status", "updated_at"),
    transitions=[
        Transition(
            "edit",
            source=[S.DRAFT, S.REJECTED],
            target=None,
            permission="settlement.add_expenseclaim",
            action="expense.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            authorize=_claimant,
            endpoint=None,
        ),
        Transition(
            "submit",
            source=[S.DRAFT, S.REJECTED],
            target=S.SUBMITTED,
            permission="settlement.add_expenseclaim",
            action="expense.submitted",
            verb=pgettext_lazy("cannot be …", "submitted"),
            authorize=_claimant,
        ),
        Transition(
            "approve",
            source=[S.SUBMITTED],
            target=S.APPROVED,
            permission="settlement.review_expenseclaim",
            action="expense.approved",
            verb=pgettext_lazy("cannot be …", "approved"),
            authorize=_not_own,
        ),
        Transition(
            "reject",
            source=[S.SUBMITTED],
            target=S.REJECTED,
            permission="settlement.review_expenseclaim",
            action="expense.rejected",
            verb=pgettext_lazy("cannot be …", "rejected"),
            authorize=_not_own,
        ),
        Transition(
            "pay",
            source=[S.APPROVED],
            target=S.PAID,
            permission=AnyOf("settlement.pay_expenseclaim"),
            action="expense.paid",
            verb=pgettext_lazy("cannot be …", "paid"),
        ),
    ],
)


def receipt_check(receipt: UploadedFile | None) -> UploadedFile | None:
    """A PDF or an image of at most MAX_RECEIPT_BYTES, by its size and first bytes."""
    if receipt is None:
        return None
    if not isinstance(receipt, UploadedFile):
        raise ValidationError({"receipt": [_("Upload the receipt as a file.")]})
    if receipt.size is None or receipt.size > MAX_RECEIPT_BYTES:
        raise ValidationError(
            {
                "receipt": [
                    _("The receipt may be at most %(mb)d MB.") % {"mb": MAX_RECEIPT_BYTES // 2**20}
                ]
            }
        )
    receipt.seek(0)
    head = receipt.read(16)
    receipt.seek(0)
    if not head.startswith(RECEIPT_SIGNATURES) or (
        head.startswith(b"RIFF") and head[8:12] != b"WEBP"
    ):
        raise ValidationError({"receipt": [_("Upload a PDF or a photo (JPEG, PNG or WebP).")]})
    return receipt


@dataclass(frozen=True)
class StoredReceipt:
    """A claim's receipt opened for reading: the file (at its start), its media type
    and the file name it is served as (`<number>-receipt.<suffix>`)."""

    file: File
    content_type: str
    filename: str


def receipt_open(claim: ExpenseClaim) -> StoredReceipt | None:
    """The claim's receipt, typed by its first bytes; None when there is none (or its
    file is gone). Whoever serves it has checked that the caller sees the claim."""
    if not claim.receipt:
        return None
    try:
        opened = claim.receipt.open("rb")
    except FileNotFoundError:
        return None
    head = opened.read(16)
    opened.seek(0)
    content_type, suffix = next(
        ((kind, suffix) for start, kind, suffix in RECEIPT_TYPES if head.startswith(start)),
        ("application/octet-stream", "bin"),
    )
    return StoredReceipt(opened, content_type, f"{claim.number}-receipt.{suffix}")


def _target(
    actor: Actor, customer: Customer | None, order: Order | None, branch: Branch | None
) -> dict[str, Any]:
    if order is not None:
        if customer is not None and order.customer_id != customer.pk:
            raise ValidationError({"order": [_("The order is not this customer's.")]})
        customer = order.customer
    if customer is None and branch is None:
        raise ValidationError(
            {"customer": [_("Say what the expense was for: a customer, an order or a branch.")]}
        )
    if customer is not None:
        documents.require_customer_visible(actor, customer)
    return {"customer": customer, "order": order, "branch": branch}


def _fields(
    *,
    description: str,
    amount: Decimal,
    incurred_on: datetime.date,
    category: str,
    currency: str | None,
) -> dict[str, Any]:
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": [_("Say what the money was spent on.")]})
    if category not in ExpenseClaim.Category.values:
        raise ValidationError({"category": [_("Choose a category.")]})
    if incurred_on > timezone.localdate():
        raise ValidationError({"incurred_on": [_("The date cannot be in the future.")]})
    return {
        "description": description[:300],
        "amount": documents.decimal_checked(
            amount,
            field="amount",
            places=arithmetic.CENT,
            maximum=documents.MAX_AMOUNT,
            positive=True,
        ),
        "incurred_on": incurred_on,
        "category": category,
        "currency": documents.currency_value(currency, money.base_currency()),
    }


@transaction.atomic
def expense_create(
    *,
    actor: Actor,
    description: str,
    amount: Decimal,
    incurred_on: datetime.date,
    category: str = ExpenseClaim.Category.OTHER,
    currency: str | None = None,
    customer: Customer | None = None,
    order: Order | None = None,
    branch: Branch | None = None,
    receipt: UploadedFile | None = None,
) -> ExpenseClaim:
    """A draft claim by `actor` (a user: an API key claims nothing)."""
    documents.require(actor, "settlement.add_expenseclaim")
    ensure_writable()
    user = documents.actor_user(actor)
    if user is None:
        raise PermissionDenied(_("Expense claims are made by people, not API keys."))
    fields = _fields(
        description=description,
        amount=amount,
        incurred_on=incurred_on,
        category=category,
        currency=currency,
    )
    claim = ExpenseClaim(
        number=document_number_next(key="expense"),
        claimant=user,
        **fields,
        **_target(actor, customer, order, branch),
    )
    checked = receipt_check(receipt)
    if checked is not None:
        claim.receipt.save(checked.name or "receipt", checked, save=False)
    claim.save()
    audit_record(actor=actor, action="expense.created", target=claim)
    return claim


@transaction.atomic
def expense_update(
    *, actor: Actor, claim: ExpenseClaim, receipt: UploadedFile | None = None, **changes: Any
) -> ExpenseClaim:
    """Change a draft or rejected claim (its claimant only)."""
    step = LIFECYCLE.start("edit", actor=actor, document=claim)
    locked = step.lock()
    fields = _fields(
        description=changes.get("description", locked.description),
        amount=changes.get("amount", locked.amount),
        incurred_on=changes.get("incurred_on", locked.incurred_on),
        category=changes.get("category", locked.category),
        currency=changes.get("currency", locked.currency),
    )
    if {"customer", "order", "branch"} & set(changes):
        fields.update(
            _target(
                actor,
                changes.get("customer", locked.customer),
                changes.get("order", locked.order),
                changes.get("branch", locked.branch),
            )
        )
    checked = receipt_check(receipt)
    if checked is not None:
        locked.receipt.save(checked.name or "receipt", checked, save=False)
        fields["receipt"] = locked.receipt
    return step.finish(fields=fields, data={"fields": sorted(fields)})


@transaction.atomic
def expense_submit(*, actor: Actor, claim: ExpenseClaim) -> ExpenseClaim:
    return LIFECYCLE.run("submit", actor=actor, document=claim)


def _review(actor: Actor, claim: ExpenseClaim, name: str, comment: str) -> ExpenseClaim:
    step = LIFECYCLE.start(name, actor=actor, document=claim)
    step.lock()
    comment = (comment or "").strip()
    if name == "reject" and not comment:
        raise ValidationError({"review_comment": [_("Say why the claim is rejected.")]})
    return step.finish(
        fields={
            "reviewed_by": documents.actor_user(actor),
            "reviewed_at": timezone.now(),
            "review_comment": comment[:300],
        },
        data={"comment": comment[:300]} if comment else None,
    )


@transaction.atomic
def expense_approve(*, actor: Actor, claim: ExpenseClaim, comment: str = "") -> ExpenseClaim:
    return _review(actor, claim, "approve", comment)


@transaction.atomic
def expense_reject(*, actor: Actor, claim: ExpenseClaim, comment: str) -> ExpenseClaim:
    return _review(actor, claim, "reject", comment)


@transaction.atomic
def expense_pay(*, actor: Actor, claim: ExpenseClaim, reference: str = "") -> ExpenseClaim:
    step = LIFECYCLE.start("pay", actor=actor, document=claim)
    step.lock()
    return step.finish(
        fields={
            "paid_by": documents.actor_user(actor),
            "paid_at": timezone.now(),
            "payment_reference": (reference or "").strip()[:100],
        }
    )
