"""Writes for customers and CRM. The browser views, the API, imports and the demo call
these; each runs in one transaction, checks the actor's permission and record scope
(`selectors.customers_visible_to`), and writes its audit entry.

Who may change what (permissions per role are in `accounts.roles`):

* customer fields — `customers.change_customer`; credit limit and payment terms —
  `customers.change_credit_terms` (finance); both only on customers in scope, and a
  change must leave the customer in the actor's scope (a salesperson cannot hand a
  customer to a colleague, a manager cannot move one out of their branch);
* group price lists change prices across branches, so only roles that see every
  customer may write them; customer price lists follow the customer's scope;
* a salesperson, owner, assignee, portal sign-in, group, branch or region given to a
  write must be among the caller's choices (`check_choices`, the rule of
  `selectors` "Choices"): a salesperson assigns only themselves, a sales manager their
  team, a dealer nobody.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost import events
from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.audit.services import audit_record
from tradepost.customers import selectors
from tradepost.customers.credit import FACTOR_MAX, FACTOR_MIN, FACTORS, WEIGHTS, credit_score
from tradepost.customers.models import (
    Activity,
    Contact,
    CreditRating,
    Customer,
    CustomerGroup,
    DealerReport,
    PriceList,
    PriceListLine,
    Tag,
    Ticket,
)
from tradepost.masterdata.models import (
    DEFAULT_CURRENCY,
    MONEY_PLACES,
    CompanyProfile,
    Product,
    StaffProfile,
)
from tradepost.principals import Actor

MAX_TAGS = 20
REFERRAL_DEPTH_LIMIT = 100

# Hours from a ticket's creation to its SLA due time, by type and priority.
TICKET_SLA_HOURS: dict[tuple[str, str], int] = {
    (Ticket.Kind.COMPLAINT, Ticket.Priority.URGENT): 4,
    (Ticket.Kind.COMPLAINT, Ticket.Priority.HIGH): 8,
    (Ticket.Kind.COMPLAINT, Ticket.Priority.NORMAL): 24,
    (Ticket.Kind.COMPLAINT, Ticket.Priority.LOW): 72,
    (Ticket.Kind.INQUIRY, Ticket.Priority.URGENT): 8,
    (Ticket.Kind.INQUIRY, Ticket.Priority.HIGH): 24,
    (Ticket.Kind.INQUIRY, Ticket.Priority.NORMAL): 48,
    (Ticket.Kind.INQUIRY, Ticket.Priority.LOW): 120,
}
# Where a ticket may go from each status. Closed is final: open a new ticket instead.
TICKET_TRANSITIONS: dict[str, set[str]] = {
    Ticket.Status.OPEN: {Ticket.Status.IN_PROGRESS, Ticket.Status.RESOLVED, Ticket.Status.CLOSED},
    Ticket.Status.IN_PROGRESS: {Ticket.Status.OPEN, Ticket.Status.RESOLVED, Ticket.Status.CLOSED},
    Ticket.Status.RESOLVED: {Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.CLOSED},
    Ticket.Status.CLOSED: set(),
}


# --- Helpers -------------------------------------------------------------------------
def _require(actor: Actor, permission: str, message: str | None = None) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(message or _("You do not have permission to do this."))


def _require_visible(actor: Actor, customer: Customer) -> None:
    if customer is None:
        raise PermissionDenied(_("This customer is not among your records."))
    if selectors.customer_scope(actor).everything:
        return  # the caller holds the row: nothing to look up for who sees every customer
    if not selectors.customer_is_visible(actor, customer.pk):
        raise PermissionDenied(_("This customer is not among your records."))


def _user_or_none(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _actor_label(actor: Actor) -> str:
    return str(getattr(actor, "email", "") or actor or "")[:254]


def _clean_model(instance: Model, exclude: Iterable[str] = ()) -> None:
    """Field validation (lengths, choices, e-mail, URL, numbers) of the model; foreign
    keys arrive as instances, uniqueness is checked by the caller with a clear message."""
    fk_names = [field.name for field in instance._meta.fields if field.is_relation]
    instance.full_clean(
        exclude=[*fk_names, *exclude], validate_unique=False, validate_constraints=False
    )


def _money(amount: Decimal, field: str) -> Decimal:
    """The rule for an amount the form or serializer parsed: two decimals, not negative."""
    if not amount.is_finite() or amount < 0:
        raise ValidationError({field: [_("Enter an amount of zero or more.")]})
    if amount != amount.quantize(MONEY_PLACES, rounding=ROUND_HALF_UP):
        raise ValidationError({field: [_("Use at most two decimal places.")]})
    if amount >= Decimal(10) ** 12:
        raise ValidationError({field: [_("This amount is too large.")]})
    return amount.quantize(MONEY_PLACES)


def _check_fields(given: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(unknown)}")


def _changed(instance: Model, changes: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.attname if field.is_relation else name)  # type: ignore[union-attr]
        new = value.pk if field.is_relation and value is not None else value
        if current != new:
            out[name] = value
    return out


# --- Who and what a write may point at ---------------------------------------------
# The people, groups, branches and regions a write may set are the caller's choices
# (selectors.py, "Choices") — the same the pages offer and the API accepts. The services
# check them here, so every door (pages, API, demo, other apps) follows one rule.
# Only values the caller gives are checked: a default (the actor themselves, their
# staff profile's branch) and a record's unchanged current value always pass.
SCOPED_CHOICES: dict[str, tuple[Any, str]] = {
    "owner": (selectors.users_visible_to, "user"),
    "assignee": (selectors.users_visible_to, "user"),
    "portal_user": (selectors.dealer_users_visible_to, "dealer"),
    "group": (selectors.customer_groups_visible_to, "group"),
    "branch": (selectors.branches_visible_to, "branch"),
    "region": (selectors.regions_visible_to, "region"),
}


def _out_of_scope_message(kind: str) -> str:
    messages = {
        "user": _("You cannot assign this user: choose yourself or someone in your team."),
        "dealer": _(
            "You cannot link this dealer user: choose one not linked yet or linked to a "
            "customer you see."
        ),
        "group": _("Choose a customer group you can see."),
        "branch": _("Choose an active branch you can see."),
        "region": _("Choose an active sales region you can see."),
    }
    return messages[kind]


def check_choices(actor: Actor, values: dict[str, Any]) -> None:
    """Each value of `values` (field name in SCOPED_CHOICES → instance or None) must be
    among `actor`'s choices for that field; else ValidationError naming every field
    refused. None (no one, no branch) is always allowed. Inactive users are left to the
    record's own "active user" check, which names that problem."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None or name not in SCOPED_CHOICES:
            continue
        if isinstance(value, User) and not value.is_active:
            continue
        choices, kind = SCOPED_CHOICES[name]
        if not choices(actor).filter(pk=getattr(value, "pk", value)).exists():
            errors[name] = [_out_of_scope_message(kind)]
    if errors:
        raise ValidationError(errors)


# --- Customers -----------------------------------------------------------------------
CUSTOMER_FIELDS = (
    "code",
    "name",
    "channel",
    "group",
    "branch",
    "region",
    "owner",
    "portal_user",
    "referred_by",
    "tax_id",
    "phone",
    "email",
    "website",
    "address",
    "notes",
    "currency",
    "is_active",
)
CREDIT_FIELDS = ("credit_limit", "payment_terms_days")


def customer_payload(customer: Customer) -> dict[str, Any]:
    """The customer as webhook receivers get it."""
    return {
        "customer_id": customer.pk,
        "code": customer.code,
        "name": customer.name,
        "channel": customer.channel,
        "group_id": customer.group_id,
        "branch_id": customer.branch_id,
        "region_id": customer.region_id,
        "owner_id": customer.owner_id,
        "currency": customer.currency,
        "credit_limit": str(customer.credit_limit),
        "payment_terms_days": customer.payment_terms_days,
        "credit_grade": customer.credit_grade,
        "is_active": customer.is_active,
    }


def clean_tags(names: Iterable[str] | None) -> list[str]:
    """Tag names (the form splits a typed text, `forms.split_tags`): trimmed, each once
    (ignoring case), at most MAX_TAGS of at most 50 characters."""
    if names is None:
        return []
    cleaned: dict[str, str] = {}
    for name in names:
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > 50:
            raise ValidationError({"tags": [_("A tag has at most 50 characters.")]})
        cleaned.setdefault(name.lower(), name)
    if len(cleaned) > MAX_TAGS:
        raise ValidationError({"tags": [_("Use at most %(max)d tags.") % {"max": MAX_TAGS}]})
    return list(cleaned.values())


def _set_tags(customer: Customer, names: list[str]) -> None:
    tags = []
    for name in names:
        tag, _created = Tag.objects.get_or_create(name__iexact=name, defaults={"name": name})
        tags.append(tag)
    customer.tags.set(tags)


def _check_customer_references(actor: Actor, customer: Customer) -> None:
    errors: dict[str, list[str]] = {}
    if customer.owner is not None and not customer.owner.is_active:
        errors["owner"] = [_("Choose an active user as the salesperson.")]
    if customer.portal_user is not None and Role.DEALER.value not in customer.portal_user.roles:
        errors["portal_user"] = [_("The portal sign-in must be a user with the dealer role.")]
    if customer.referred_by_id is not None:
        if customer.pk is not None and customer.referred_by_id == customer.pk:
            errors["referred_by"] = [_("A customer cannot refer itself.")]
        elif not selectors.customer_is_visible(actor, customer.referred_by_id):
            errors["referred_by"] = [_("Choose a customer from your records.")]
        elif customer.pk is not None and _refers_back(customer.referred_by_id, customer.pk):
            errors["referred_by"] = [_("That customer was itself referred by this one.")]
    if errors:
        raise ValidationError(errors)


def _refers_back(start_id: int | None, customer_id: int) -> bool:
    """Whether following `referred_by` from `start_id` reaches `customer_id`."""
    seen: set[int] = set()
    current: int | None = start_id
    for _step in range(REFERRAL_DEPTH_LIMIT):
        if current is None or current in seen:
            return False
        if current == customer_id:
            return True
        seen.add(current)
        current = (
            Customer.objects.filter(pk=current).values_list("referred_by_id", flat=True).first()
        )
    return True  # a chain this long is refused rather than followed further


def _same_code(model: type[Customer] | type[Contact], code: str) -> QuerySet[Any]:
    """Rows whose code equals `code` ignoring case, compared as the unique index on
    `lower(code)` is built, so the look-up is that index's (`code__iexact` compares
    `upper()` and reads the whole table)."""
    return model.objects.alias(code_lower=Lower("code")).filter(code_lower=Lower(Value(code)))


def _code_taken(code: str, exclude_pk: int | None = None) -> bool:
    # pk=None (a new customer) excludes nothing.
    return _same_code(Customer, code).exclude(pk=exclude_pk).exists()


def _assign_code(instance: Customer | Contact, prefix: str) -> None:
    """Give a new row its id now and a code made from it (C000123): one insert, and two
    concurrent creations never pick the same code. The id and whether its code is
    already taken (by a code typed by hand) come in one statement."""
    table = instance._meta.db_table
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(
            # The code as f"{prefix}{id:06d}" makes it: six digits, or more.
            f"SELECT new.id, EXISTS (SELECT 1 FROM {quoted} WHERE lower(code) = lower("  # noqa: S608 - the model's table
            "%s || CASE WHEN new.id < 1000000 THEN lpad(new.id::text, 6, '0')"
            " ELSE new.id::text END))"
            " FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id')) AS id) AS new",
            [prefix, table],
        )
        instance.pk, taken = cursor.fetchone()
    instance.code = f"{prefix}{instance.pk:06d}"
    while taken:
        instance.code = f"{instance.code}-1"
        taken = _same_code(type(instance), instance.code).exists()


def base_currency() -> str:
    """The company's base currency (master data), the default of customers and lists."""
    return (
        CompanyProfile.objects.values_list("base_currency", flat=True).first() or DEFAULT_CURRENCY
    )


def _must_stay_visible(actor: Actor, customer: Customer) -> None:
    if not selectors.customer_is_visible(actor, customer.pk):
        raise ValidationError(
            _(
                "You would no longer see this customer: keep yourself as its salesperson, "
                "or choose a branch or region you manage."
            )
        )


@transaction.atomic
def customer_create(
    *,
    actor: Actor,
    name: str,
    tags: Iterable[str] | None = None,
    credit_limit: Decimal | None = None,
    payment_terms_days: int | None = None,
    **fields: Any,
) -> Customer:
    """Add a customer. Without a salesperson, the actor (a user) owns it; without a
    branch or region, the actor's staff profile gives them. Without a code, one is
    made from the id (C000123)."""
    _require(actor, "customers.add_customer")
    _check_fields(fields, CUSTOMER_FIELDS)
    chosen = {name: value for name, value in fields.items() if name in SCOPED_CHOICES}
    given = {"credit_limit": credit_limit, "payment_terms_days": payment_terms_days}
    credit = {key: value for key, value in given.items() if value is not None}
    if credit:
        _require(
            actor,
            "customers.change_credit_terms",
            _("Only finance can set credit limits and payment terms."),
        )
    if credit_limit is not None:
        credit["credit_limit"] = _money(credit_limit, "credit_limit")
    user = _user_or_none(actor)
    if "owner" not in fields and user is not None:
        fields["owner"] = user
    if user is not None and ("branch" not in fields or "region" not in fields):
        profile = StaffProfile.objects.filter(user=user).first()
        if profile is not None:
            fields.setdefault("branch", profile.branch)
            fields.setdefault("region", profile.region)
    if not fields.get("currency"):
        fields["currency"] = base_currency()
    code = (fields.pop("code", "") or "").strip()
    customer = Customer(name=(name or "").strip(), code=code or "-", **fields, **credit)
    _clean_model(customer)
    _check_customer_references(actor, customer)
    check_choices(actor, chosen)
    if code:
        if _code_taken(code):
            raise ValidationError({"code": [_("Another customer already has this code.")]})
    else:
        _assign_code(customer, "C")
    tag_names = clean_tags(tags)
    try:
        with transaction.atomic():
            customer.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError({"code": [_("Another customer already has this code.")]}) from exc
    if tag_names:
        _set_tags(customer, tag_names)
    _must_stay_visible(actor, customer)
    audit_record(actor=actor, action="customer.created", target=customer)
    events.emit(event_type="customer.created", payload=customer_payload(customer))
    return customer


@transaction.atomic
def customer_update(
    *, actor: Actor, customer: Customer, tags: Iterable[str] | None = None, **changes: Any
) -> Customer:
    """Change the given fields; `tags` (when given) replaces the customer's tags.

    Credit limit and payment terms need `customers.change_credit_terms`, everything
    else `customers.change_customer`; only what really changes is checked.
    """
    _check_fields(changes, (*CUSTOMER_FIELDS, *CREDIT_FIELDS))
    _require_visible(actor, customer)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if "credit_limit" in changes:
        changes["credit_limit"] = _money(changes["credit_limit"], "credit_limit")
    if "code" in changes:
        changes["code"] = (changes["code"] or "").strip()
        if not changes["code"]:
            raise ValidationError({"code": [_("A customer needs a code.")]})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    changed = _changed(customer, changes)
    tags_changed = False
    if tags is not None:
        tag_names = clean_tags(tags)
        current = sorted(tag.name.lower() for tag in customer.tags.all())
        tags_changed = current != sorted(name.lower() for name in tag_names)
    if set(changed) - set(CREDIT_FIELDS) or tags_changed:
        _require(actor, "customers.change_customer")
    if set(changed) & set(CREDIT_FIELDS):
        _require(
            actor,
            "customers.change_credit_terms",
            _("Only finance can change credit limits and payment terms."),
        )
    if not changed and not tags_changed:
        return customer
    for name, value in changed.items():
        setattr(customer, name, value)
    _clean_model(customer)
    if {"owner", "portal_user", "referred_by"} & set(changed):
        _check_customer_references(actor, customer)
    check_choices(actor, changed)
    if "code" in changed and _code_taken(customer.code, exclude_pk=customer.pk):
        raise ValidationError({"code": [_("Another customer already has this code.")]})
    try:
        with transaction.atomic():
            customer.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"code": [_("Another customer already has this code.")]}) from exc
    if tags_changed:
        _set_tags(customer, tag_names)
        if not changed:
            customer.save(update_fields=["updated_at"])
    _must_stay_visible(actor, customer)
    names = sorted([*changed, *(["tags"] if tags_changed else [])])
    audit_record(actor=actor, action="customer.updated", target=customer, data={"changed": names})
    events.emit(
        event_type="customer.updated", payload={**customer_payload(customer), "changed": names}
    )
    return customer


# --- Customer groups -----------------------------------------------------------------
def _clean_group(group: CustomerGroup) -> None:
    group.name = (group.name or "").strip()
    _clean_model(group)
    if CustomerGroup.objects.filter(name__iexact=group.name).exclude(pk=group.pk).exists():
        raise ValidationError({"name": [_("Another group already has this name.")]})


@transaction.atomic
def customer_group_create(*, actor: Actor, name: str, description: str = "") -> CustomerGroup:
    _require(actor, "customers.add_customergroup")
    group = CustomerGroup(name=name, description=(description or "").strip())
    _clean_group(group)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as exc:
        raise ValidationError({"name": [_("Another group already has this name.")]}) from exc
    audit_record(actor=actor, action="customer_group.created", target=group)
    return group


@transaction.atomic
def customer_group_update(*, actor: Actor, group: CustomerGroup, **changes: Any) -> CustomerGroup:
    _require(actor, "customers.change_customergroup")
    _check_fields(changes, ("name", "description"))
    group = CustomerGroup.objects.select_for_update().get(pk=group.pk)
    changed = _changed(group, changes)
    if not changed:
        return group
    for name, value in changed.items():
        setattr(group, name, value)
    _clean_group(group)
    try:
        with transaction.atomic():
            group.save(update_fields=[*changed, "updated_at"])
    except IntegrityError as exc:
        raise ValidationError({"name": [_("Another group already has this name.")]}) from exc
    audit_record(
        actor=actor,
        action="customer_group.updated",
        target=group,
        data={"changed": sorted(changed)},
    )
    return group


# --- Contacts ------------------------------------------------------------------------
CONTACT_FIELDS = (
    "code",
    "name",
    "title",
    "phone",
    "mobile",
    "email",
    "wechat",
    "is_primary",
    "notes",
)


def _save_contact(contact: Contact, update_fields: list[str] | None = None) -> None:
    contact.name = (contact.name or "").strip()
    contact.code = (contact.code or "").strip()
    if contact.pk is None and not contact.code:
        _assign_code(contact, "P")
    elif not contact.code:
        raise ValidationError({"code": [_("A contact needs a code.")]})
    elif _same_code(Contact, contact.code).exclude(pk=contact.pk).exists():
        raise ValidationError({"code": [_("Another contact already has this code.")]})
    _clean_model(contact)
    if contact.is_primary:
        # One primary contact per customer: the customer's row lock orders concurrent
        # saves that make a contact primary (saving one that is not primary takes
        # nothing from another, so it needs no lock).
        Customer.objects.select_for_update().filter(pk=contact.customer_id).first()
        Contact.objects.filter(customer_id=contact.customer_id, is_primary=True).exclude(
            pk=contact.pk
        ).update(is_primary=False, updated_at=timezone.now())
    try:
        with transaction.atomic():
            contact.save(force_insert=update_fields is None, update_fields=update_fields)
    except IntegrityError as exc:
        raise ValidationError({"code": [_("Another contact already has this code.")]}) from exc


@transaction.atomic
def contact_create(*, actor: Actor, customer: Customer, name: str, **fields: Any) -> Contact:
    _require(actor, "customers.add_contact")
    _check_fields(fields, CONTACT_FIELDS)
    _require_visible(actor, customer)
    contact = Contact(customer=customer, name=name, **fields)
    _save_contact(contact)
    audit_record(actor=actor, action="contact.created", target=contact)
    return contact


@transaction.atomic
def contact_update(*, actor: Actor, contact: Contact, **changes: Any) -> Contact:
    _require(actor, "customers.change_contact")
    _check_fields(changes, CONTACT_FIELDS)
    _require_visible(actor, contact.customer)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed = _changed(contact, changes)
    if not changed:
        return contact
    for name, value in changed.items():
        setattr(contact, name, value)
    _save_contact(contact, update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor, action="contact.updated", target=contact, data={"changed": sorted(changed)}
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Actor, contact: Contact) -> None:
    _require(actor, "customers.delete_contact")
    _require_visible(actor, contact.customer)
    audit_record(actor=actor, action="contact.deleted", target=contact)
    Contact.objects.filter(pk=contact.pk).delete()


# --- Credit rating -------------------------------------------------------------------
@transaction.atomic
def credit_rating_create(
    *, actor: Actor, customer: Customer, comment: str = "", **factors: Any
) -> CreditRating:
    """Rate `customer` on the five factors (1–5 each, see `credit`); the customer's
    grade becomes this rating's grade. Earlier ratings stay as history."""
    _require(actor, "customers.add_creditrating")
    _check_fields(factors, FACTORS)
    _require_visible(actor, customer)
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for name in FACTORS:
        value = factors.get(name)
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not isinstance(value, int) or not FACTOR_MIN <= value <= FACTOR_MAX:
            errors[name] = [_("Give a whole number from 1 to 5.")]
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    result = credit_score(values)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    rating = CreditRating.objects.create(
        customer=customer,
        **values,
        weights={name: str(weight) for name, weight in WEIGHTS.items()},
        score=result.score,
        grade=result.grade,
        comment=(comment or "").strip(),
        rated_by=_user_or_none(actor),
        rated_by_label=_actor_label(actor),
    )
    previous = customer.credit_grade
    customer.credit_grade = result.grade
    customer.save(update_fields=["credit_grade", "updated_at"])
    audit_record(
        actor=actor,
        action="customer.rated",
        target=customer,
        data={"grade": result.grade, "score": str(result.score), "previous": previous},
    )
    if previous != result.grade:
        events.emit(
            event_type="customer.updated",
            payload={**customer_payload(customer), "changed": ["credit_grade"]},
        )
    return rating


# --- Activities ----------------------------------------------------------------------
ACTIVITY_FIELDS = ("kind", "subject", "notes", "due_at", "contact", "owner")


def _check_case(record: Activity | Ticket, user_field: str, exclude: Iterable[str] = ()) -> None:
    """An activity's or ticket's fields; its contact must be of its customer and its
    owner or assignee (`user_field`) an active user."""
    record.subject = (record.subject or "").strip()
    _clean_model(record, exclude=exclude)
    errors: dict[str, list[str]] = {}
    if record.contact is not None and record.contact.customer_id != record.customer_id:
        errors["contact"] = [_("Choose a contact of this customer.")]
    user = getattr(record, user_field)
    if user is not None and not user.is_active:
        errors[user_field] = [_("Choose an active user.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_create(*, actor: Actor, customer: Customer, subject: str, **fields: Any) -> Activity:
    """Log or plan a call, visit, e-mail or task. The actor owns it unless told otherwise."""
    _require(actor, "customers.add_activity")
    _check_fields(fields, ACTIVITY_FIELDS)
    _require_visible(actor, customer)
    chosen = {"owner": fields["owner"]} if "owner" in fields else {}
    fields.setdefault("owner", _user_or_none(actor))
    activity = Activity(customer=customer, subject=subject, **fields)
    _check_case(activity, "owner")
    check_choices(actor, chosen)
    activity.save()
    audit_record(actor=actor, action="activity.created", target=activity)
    return activity


@transaction.atomic
def activity_update(
    *, actor: Actor, activity: Activity, done: bool | None = None, **changes: Any
) -> Activity:
    """Change fields; `done=True` marks the activity done now, `done=False` reopens it."""
    _require(actor, "customers.change_activity")
    _check_fields(changes, ACTIVITY_FIELDS)
    _require_visible(actor, activity.customer)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    changed = _changed(activity, changes)
    if done is not None and done != (activity.done_at is not None):
        changed["done_at"] = timezone.now() if done else None
    if not changed:
        return activity
    for name, value in changed.items():
        setattr(activity, name, value)
    _check_case(activity, "owner")
    check_choices(actor, changed)
    activity.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor, action="activity.updated", target=activity, data={"changed": sorted(changed)}
    )
    return activity


@transaction.atomic
def activity_delete(*, actor: Actor, activity: Activity) -> None:
    _require(actor, "customers.delete_activity")
    _require_visible(actor, activity.customer)
    audit_record(actor=actor, action="activity.deleted", target=activity)
    Activity.objects.filter(pk=activity.pk).delete()


# --- Tickets -------------------------------------------------------------------------
TICKET_FIELDS = ("kind", "priority", "subject", "description", "resolution", "contact", "assignee")


def ticket_sla_due(kind: str, priority: str, opened_at: datetime.datetime) -> datetime.datetime:
    return opened_at + timedelta(hours=TICKET_SLA_HOURS[(kind, priority)])


@transaction.atomic
def ticket_create(*, actor: Actor, customer: Customer, subject: str, **fields: Any) -> Ticket:
    """Open a service ticket; its SLA due time follows from its type and priority."""
    _require(actor, "customers.add_ticket")
    _check_fields(fields, TICKET_FIELDS)
    _require_visible(actor, customer)
    ticket = Ticket(customer=customer, subject=subject, created_at=timezone.now(), **fields)
    _check_case(ticket, "assignee", exclude=["sla_due_at"])
    check_choices(actor, fields)
    ticket.sla_due_at = ticket_sla_due(ticket.kind, ticket.priority, ticket.created_at)
    ticket.save()
    audit_record(actor=actor, action="ticket.created", target=ticket)
    return ticket


@transaction.atomic
def ticket_update(
    *, actor: Actor, ticket: Ticket, status: str | None = None, **changes: Any
) -> Ticket:
    """Change fields or move the ticket along (see TICKET_TRANSITIONS). A new priority or
    type moves the SLA due time (still counted from when the ticket was opened)."""
    _require(actor, "customers.change_ticket")
    _check_fields(changes, TICKET_FIELDS)
    _require_visible(actor, ticket.customer)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    changed = _changed(ticket, changes)
    if ticket.status == Ticket.Status.CLOSED and (changed or (status and status != ticket.status)):
        raise ValidationError(_("This ticket is closed. Open a new ticket instead."))
    if status is not None and status != ticket.status:
        if status not in Ticket.Status.values:
            raise ValidationError({"status": [_("Choose one of the listed statuses.")]})
        if status not in TICKET_TRANSITIONS[ticket.status]:
            raise ValidationError(
                {"status": [_("A ticket cannot go from this status to that one.")]}
            )
        now = timezone.now()
        changed["status"] = status
        changed["resolved_at"] = (
            now
            if status == Ticket.Status.RESOLVED
            else ticket.resolved_at
            if status == Ticket.Status.CLOSED
            else None
        )
        changed["closed_at"] = now if status == Ticket.Status.CLOSED else None
    if not changed:
        return ticket
    for name, value in changed.items():
        setattr(ticket, name, value)
    _check_case(ticket, "assignee", exclude=["sla_due_at"])
    check_choices(actor, changed)
    if {"kind", "priority"} & set(changed):
        ticket.sla_due_at = ticket_sla_due(ticket.kind, ticket.priority, ticket.created_at)
        changed["sla_due_at"] = ticket.sla_due_at
    ticket.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor, action="ticket.updated", target=ticket, data={"changed": sorted(changed)}
    )
    return ticket


# --- Dealer reports ------------------------------------------------------------------
DEALER_REPORT_FIELDS = (
    "details",
    "end_customer_name",
    "end_customer_contact",
    "competitor_name",
    "competitor_product",
    "competitor_price",
    "currency",
)


@transaction.atomic
def dealer_report_create(
    *, actor: Actor, dealer: Customer, kind: str, subject: str, **fields: Any
) -> DealerReport:
    """A dealer's (or franchisee's) report of an end customer or of a competitor."""
    _require(actor, "customers.add_dealerreport")
    _check_fields(fields, DEALER_REPORT_FIELDS)
    _require_visible(actor, dealer)
    if not dealer.is_reseller:
        raise ValidationError({"dealer": [_("Reports come from dealers and franchisees.")]})
    if fields.get("competitor_price") is not None:
        fields["competitor_price"] = _money(fields["competitor_price"], "competitor_price")
    fields.setdefault("currency", dealer.currency)
    report = DealerReport(
        dealer=dealer,
        kind=kind,
        subject=(subject or "").strip(),
        reported_by=_user_or_none(actor),
        reported_by_label=_actor_label(actor),
        **fields,
    )
    _clean_model(report)
    if kind == DealerReport.Kind.END_CUSTOMER and not report.end_customer_name.strip():
        raise ValidationError({"end_customer_name": [_("Name the end customer.")]})
    if kind == DealerReport.Kind.COMPETITOR and not report.competitor_name.strip():
        raise ValidationError({"competitor_name": [_("Name the competitor.")]})
    report.save()
    audit_record(actor=actor, action="dealer_report.created", target=report)
    return report


# --- Price lists ---------------------------------------------------------------------
@dataclass(frozen=True)
class LineInput:
    product: Product
    unit_price: Decimal


def _require_price_list_owner(
    actor: Actor, *, customer: Customer | None, group: CustomerGroup | None
) -> None:
    if (customer is None) == (group is None):
        raise ValidationError(_("A price list belongs to one customer or one customer group."))
    if customer is not None:
        _require_visible(actor, customer)
    elif not selectors.customer_scope(actor).everything:
        raise PermissionDenied(
            _(
                "A group's prices apply across branches: only roles that see every customer "
                "change them."
            )
        )


def _lock_owner(price_list: PriceList) -> None:
    """Serialise writes to one owner's lists: the overlap check then sees every list."""
    if price_list.customer_id is not None:
        Customer.objects.select_for_update().filter(pk=price_list.customer_id).first()
    else:
        # A list without a customer has a group (a database constraint).
        CustomerGroup.objects.select_for_update().filter(pk=price_list.group_id).first()  # type: ignore[misc]


def _check_overlap(price_list: PriceList) -> None:
    # The owner's lists: None matches the lists of no customer (a group's), and back.
    others = PriceList.objects.filter(  # type: ignore[misc]
        customer_id=price_list.customer_id,
        group_id=price_list.group_id,
        currency=price_list.currency,
    ).exclude(pk=price_list.pk)
    if price_list.valid_to is not None:
        others = others.filter(valid_from__lte=price_list.valid_to)
    clash = (
        others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=price_list.valid_from))
        .order_by("valid_from")
        .first()
    )
    if clash is not None:
        until = clash.valid_to.isoformat() if clash.valid_to else _("open-ended")
        raise ValidationError(
            {
                "valid_from": [
                    _(
                        "These dates overlap the %(currency)s price list “%(name)s” "
                        "(%(start)s – %(end)s) of the same %(owner)s. End that list first "
                        "or choose other dates."
                    )
                    % {
                        "currency": clash.currency,
                        "name": clash.name,
                        "start": clash.valid_from.isoformat(),
                        "end": until,
                        "owner": _("customer") if clash.customer_id else _("group"),
                    }
                ]
            }
        )


def _check_price_list(price_list: PriceList) -> None:
    price_list.name = (price_list.name or "").strip()
    _clean_model(price_list)
    if price_list.valid_to is not None and price_list.valid_to < price_list.valid_from:
        raise ValidationError({"valid_to": [_("The end date is before the start date.")]})


def _clean_lines(lines: Iterable[LineInput | tuple[Any, ...] | dict[str, Any]]) -> list[LineInput]:
    cleaned: list[LineInput] = []
    seen: set[int] = set()
    for line in lines:
        if isinstance(line, dict):
            line = LineInput(product=line["product"], unit_price=line["unit_price"])
        elif isinstance(line, tuple):
            line = LineInput(*line)
        if line.product.pk in seen:
            raise ValidationError(
                {"lines": [_("%(sku)s is listed twice.") % {"sku": line.product.sku}]}
            )
        seen.add(line.product.pk)
        cleaned.append(LineInput(line.product, _money(line.unit_price, "lines")))
    return cleaned


def _replace_lines(price_list: PriceList, lines: list[LineInput]) -> None:
    price_list.lines.all().delete()
    PriceListLine.objects.bulk_create(
        [
            PriceListLine(price_list=price_list, product=line.product, unit_price=line.unit_price)
            for line in lines
        ]
    )


@transaction.atomic
def price_list_create(
    *,
    actor: Actor,
    name: str,
    valid_from: datetime.date,
    currency: str | None = None,
    valid_to: datetime.date | None = None,
    customer: Customer | None = None,
    group: CustomerGroup | None = None,
    notes: str = "",
    lines: Iterable[LineInput | tuple[Any, ...] | dict[str, Any]] = (),
) -> PriceList:
    """A price list for one customer or one group. Refused when it overlaps another list
    of the same owner and currency."""
    _require(actor, "customers.add_pricelist")
    _require_price_list_owner(actor, customer=customer, group=group)
    if currency is None:
        currency = customer.currency if customer is not None else base_currency()
    price_list = PriceList(
        name=name,
        customer=customer,
        group=group,
        currency=currency,
        valid_from=valid_from,
        valid_to=valid_to,
        notes=(notes or "").strip(),
    )
    _check_price_list(price_list)
    cleaned = _clean_lines(lines)
    _lock_owner(price_list)
    _check_overlap(price_list)
    price_list.save()
    _replace_lines(price_list, cleaned)
    audit_record(
        actor=actor,
        action="price_list.created",
        target=price_list,
        data={"lines": len(cleaned), "currency": price_list.currency},
    )
    return price_list


def _check_price_list_write(actor: Actor, price_list: PriceList, permission: str) -> None:
    _require(actor, permission)
    _require_price_list_owner(actor, customer=price_list.customer, group=price_list.group)


@transaction.atomic
def price_list_update(
    *,
    actor: Actor,
    price_list: PriceList,
    lines: Iterable[LineInput | tuple[Any, ...] | dict[str, Any]] | None = None,
    **changes: Any,
) -> PriceList:
    """Change name, currency, dates or notes; `lines` (when given) replaces every line."""
    _check_fields(changes, ("name", "currency", "valid_from", "valid_to", "notes"))
    _check_price_list_write(actor, price_list, "customers.change_pricelist")
    _lock_owner(price_list)
    price_list = PriceList.objects.select_for_update().get(pk=price_list.pk)
    changed = _changed(price_list, changes)
    for name, value in changed.items():
        setattr(price_list, name, value)
    _check_price_list(price_list)
    if {"currency", "valid_from", "valid_to"} & set(changed):
        _check_overlap(price_list)
    if changed:
        price_list.save(update_fields=[*changed, "updated_at"])
    if lines is not None:
        _replace_lines(price_list, _clean_lines(lines))
        if not changed:
            price_list.save(update_fields=["updated_at"])
    if changed or lines is not None:
        audit_record(
            actor=actor,
            action="price_list.updated",
            target=price_list,
            data={"changed": sorted([*changed, *(["lines"] if lines is not None else [])])},
        )
    return price_list


@transaction.atomic
def price_list_set_price(
    *, actor: Actor, price_list: PriceList, product: Product, unit_price: Decimal
) -> PriceListLine:
    """Add the product to the list, or change its price there."""
    _check_price_list_write(actor, price_list, "customers.change_pricelist")
    amount = _money(unit_price, "unit_price")
    line, _created = PriceListLine.objects.update_or_create(
        price_list=price_list, product=product, defaults={"unit_price": amount}
    )
    PriceList.objects.filter(pk=price_list.pk).update(updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="price_list.price_set",
        target=price_list,
        data={"product_id": product.pk, "unit_price": str(amount)},
    )
    return line


@transaction.atomic
def price_list_remove_product(*, actor: Actor, price_list: PriceList, product_id: int) -> None:
    _check_price_list_write(actor, price_list, "customers.change_pricelist")
    deleted, _rows = PriceListLine.objects.filter(
        price_list=price_list, product_id=product_id
    ).delete()
    if deleted:
        PriceList.objects.filter(pk=price_list.pk).update(updated_at=timezone.now())
        audit_record(
            actor=actor,
            action="price_list.price_removed",
            target=price_list,
            data={"product_id": product_id},
        )


@transaction.atomic
def price_list_delete(*, actor: Actor, price_list: PriceList) -> None:
    _check_price_list_write(actor, price_list, "customers.delete_pricelist")
    audit_record(actor=actor, action="price_list.deleted", target=price_list)
    PriceList.objects.filter(pk=price_list.pk).delete()


# --- Bulk changes from the list ------------------------------------------------------
BULK_MAX = 500
BULK_ACTIONS = ("reassign", "tag", "archive")


@dataclass(frozen=True)
class BulkOutcome:
    """What a bulk change did: the customers changed, and each refused one with why."""

    changed: list[Customer]
    refused: list[tuple[Customer, str]]


def customers_bulk_change(
    *,
    actor: Actor,
    customers: Iterable[Customer],
    action: str,
    owner: User | None = None,
    tag: str = "",
) -> BulkOutcome:
    """Apply one change to each of `customers` (from the list's check boxes) through
    `customer_update`, so every row passes its own permission and scope checks: a row
    refused is reported and left as it was; the others are changed, each in its own
    transaction. `reassign` sets the salesperson to `owner`, `tag` adds the tag
    `tag`, `archive` deactivates."""
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": [_("Choose what to do with the customers.")]})
    if action == "reassign" and owner is None:
        raise ValidationError({"owner": [_("Choose the salesperson.")]})
    if action == "tag":
        names = clean_tags([tag])
        if not names:
            raise ValidationError({"tag": [_("Enter the tag to add.")]})
    rows = list(customers)
    if not rows:
        raise ValidationError({"ids": [_("Tick the customers to change first.")]})
    if len(rows) > BULK_MAX:
        raise ValidationError(
            {"ids": [_("Change at most %(max)d customers at once.") % {"max": BULK_MAX}]}
        )
    changed: list[Customer] = []
    refused: list[tuple[Customer, str]] = []
    for customer in rows:
        try:
            with transaction.atomic():
                if action == "reassign":
                    done = customer_update(actor=actor, customer=customer, owner=owner)
                elif action == "tag":
                    current = [t.name for t in customer.tags.all()]
                    done = customer_update(actor=actor, customer=customer, tags=[*current, *names])
                else:
                    done = customer_update(actor=actor, customer=customer, is_active=False)
        except (PermissionDenied, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            refused.append((customer, " ".join(m for m in messages if m) or _("Not allowed.")))
        else:
            changed.append(done)
    return BulkOutcome(changed=changed, refused=refused)
