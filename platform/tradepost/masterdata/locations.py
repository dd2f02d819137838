"""Writes of locations (warehouses, stores) and suppliers, for their pages.

Each function checks the actor's permission, runs in one transaction and writes its
audit entry. A location's code is unique ignoring case; a branch has at most one
default location (and the workspace one without a branch): making a location the
default takes the mark from the one that had it. A supplier's code, when given, is
unique ignoring case.
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tradepost.audit.services import audit_record
from tradepost.masterdata.models import Branch, Location, Supplier
from tradepost.principals import Actor

_TAKEN = "This value is already used by another record."
LOCATION_FIELDS = ("name", "code", "kind", "branch", "address", "is_default", "is_active")
SUPPLIER_FIELDS = ("name", "code", "contact_name", "phone", "email", "address", "is_active")


class LocationFields(TypedDict, total=False):
    name: str
    code: str
    kind: str
    branch: Branch | None
    address: str
    is_default: bool
    is_active: bool


class SupplierFields(TypedDict, total=False):
    name: str
    code: str
    contact_name: str
    phone: str
    email: str
    address: str
    is_active: bool


def _require(actor: Actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def _text(model: Any, name: str, value: Any, *, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError({name: [_("This field is required.")]})
    max_length = model._meta.get_field(name).max_length
    if max_length and len(text) > max_length:
        raise ValidationError({name: [_("Use at most %(max)d characters.") % {"max": max_length}]})
    return text


def _values(
    model: Any, allowed: tuple[str, ...], changes: dict[str, Any], required: tuple[str, ...]
) -> dict[str, Any]:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            if name in ("is_default", "is_active"):
                values[name] = bool(value)
            elif name == "branch":
                if value is not None and not isinstance(value, Branch):
                    raise ValidationError({name: [_("Choose a branch.")]})
                values[name] = value
            elif name == "kind":
                if value not in Location.Kind.values:
                    raise ValidationError({name: [_("Choose a warehouse or a store.")]})
                values[name] = value
            else:
                values[name] = _text(model, name, value, required=name in required)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def _code_taken(model: Any, code: str, pk: int | None) -> bool:
    return bool(code) and model.objects.filter(code__iexact=code).exclude(pk=pk).exists()


def _location_save(location: Location, fields: list[str] | None) -> None:
    if _code_taken(Location, location.code, location.pk):
        raise ValidationError({"code": [_(_TAKEN)]})
    if location.is_default:
        # The branch's (or the workspace's) previous default gives up the mark.
        Location.objects.filter(branch=location.branch, is_default=True).exclude(
            pk=location.pk
        ).update(is_default=False)
    try:
        with transaction.atomic():
            location.save(update_fields=fields)
    except IntegrityError as exc:
        raise ValidationError(
            {"code": [_("This value is already used by another record.")]}
        ) from exc


@transaction.atomic
def location_create(*, actor: Actor, **fields: Unpack[LocationFields]) -> Location:
    """Add a warehouse or store."""
    _require(actor, "masterdata.add_location")
    fields.setdefault("name", "")
    fields.setdefault("code", "")
    location = Location(**_values(Location, LOCATION_FIELDS, dict(fields), ("name", "code")))
    _location_save(location, None)
    audit_record(actor=actor, action="location.created", target=location)
    return location


@transaction.atomic
def location_update(
    *, actor: Actor, location: Location, **changes: Unpack[LocationFields]
) -> Location:
    """Change a location; deactivate rather than delete (the ledger refers to it)."""
    _require(actor, "masterdata.change_location")
    values = _values(Location, LOCATION_FIELDS, dict(changes), ("name", "code"))
    location = Location.objects.select_for_update().get(pk=location.pk)
    for name, value in values.items():
        setattr(location, name, value)
    if not location.is_active and location.is_default:
        raise ValidationError(
            {"is_active": [_("Make another location the default before deactivating this one.")]}
        )
    _location_save(location, [*values, "updated_at"])
    audit_record(
        actor=actor, action="location.updated", target=location, data={"fields": sorted(values)}
    )
    return location


def _supplier_save(supplier: Supplier, fields: list[str] | None) -> None:
    if _code_taken(Supplier, supplier.code, supplier.pk):
        raise ValidationError({"code": [_(_TAKEN)]})
    try:
        with transaction.atomic():
            supplier.save(update_fields=fields)
    except IntegrityError as exc:
        raise ValidationError(
            {"code": [_("This value is already used by another record.")]}
        ) from exc


@transaction.atomic
def supplier_create(*, actor: Actor, **fields: Unpack[SupplierFields]) -> Supplier:
    """Add a supplier."""
    _require(actor, "masterdata.add_supplier")
    fields.setdefault("name", "")
    values = _values(Supplier, SUPPLIER_FIELDS, dict(fields), ("name",))
    supplier = Supplier(**values)
    _supplier_save(supplier, None)
    audit_record(actor=actor, action="supplier.created", target=supplier)
    return supplier


@transaction.atomic
def supplier_update(
    *, actor: Actor, supplier: Supplier, **changes: Unpack[SupplierFields]
) -> Supplier:
    """Change a supplier; deactivate rather than delete (receipts refer to it)."""
    _require(actor, "masterdata.change_supplier")
    values = _values(Supplier, SUPPLIER_FIELDS, dict(changes), ("name",))
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    for name, value in values.items():
        setattr(supplier, name, value)
    _supplier_save(supplier, [*values, "updated_at"])
    audit_record(
        actor=actor, action="supplier.updated", target=supplier, data={"fields": sorted(values)}
    )
    return supplier
