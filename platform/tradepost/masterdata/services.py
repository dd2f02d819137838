"""Writes of master data. Browser views, the API, imports and the demo call these.

Each function runs in one transaction, checks the actor's permission and writes its
audit entry; notable changes go out as webhook events after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost import events, request_memo
from tradepost.audit.services import audit_record
from tradepost.masterdata import selectors
from tradepost.masterdata.models import (
    MONEY_PLACES,
    BankAccount,
    Branch,
    CompanyProfile,
    Currency,
    DocumentSequence,
    Location,
    Product,
    ProductCategory,
    SalesRegion,
    StaffProfile,
    Supplier,
    TaxRate,
    TreeNode,
)
from tradepost.masterdata.selectors import default_locations
from tradepost.principals import Actor


def _require(actor: Actor, permission: str) -> None:
    if actor is None or not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > max_length:
        raise ValidationError({field: [_("Use at most %(max)d characters.") % {"max": max_length}]})
    return text


def _currency(value: Any, *, field: str = "currency") -> str:
    if value not in Currency.values:
        raise ValidationError({field: [_("Choose one of the listed currencies.")]})
    return str(value)


def money(amount: Decimal, *, field: str) -> Decimal:
    """A non-negative amount with two decimals (half-up), as prices are kept. The form,
    serializer or import parsed the text; this keeps the rule."""
    if not amount.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    if amount < 0:
        raise ValidationError({field: [_("Must not be negative.")]})
    amount = amount.quantize(MONEY_PLACES, rounding="ROUND_HALF_UP")
    if amount >= Decimal(10) ** 12:
        raise ValidationError({field: [_("Enter an amount below 1,000,000,000,000.")]})
    return amount


def _saved(instance: models.Model, update_fields: list[str] | None = None) -> None:
    """Save, turning a unique-constraint violation into a field error."""
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise ValidationError(_unique_error(instance, exc)) from exc


_UNIQUE_FIELDS = {
    "product_unique_sku": "sku",
    "product_unique_barcode": "barcode",
    "branch_unique_code": "code",
    "salesregion_unique_code": "code",
    "productcategory_unique_code": "code",
    "taxrate_unique_name": "name",
    "bankaccount_unique_number": "account_number",
    "location_unique_code": "code",
    "location_one_default_per_branch": "is_default",
    "supplier_unique_code": "code",
}


def _unique_error(instance: models.Model, exc: IntegrityError) -> dict[str, list[str]]:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
    field = _UNIQUE_FIELDS.get(constraint)
    if field is None:
        raise exc
    return {field: [_("This value is already used by another record.")]}


# --- Company profile ---------------------------------------------------------------------

COMPANY_FIELDS = (
    "name",
    "legal_name",
    "tax_id",
    "address",
    "phone",
    "email",
    "base_currency",
    "show_currency_symbols",
)


def _company_locked() -> CompanyProfile:
    profile = CompanyProfile.objects.select_for_update().first()
    if profile is None:
        from tradepost.masterdata.selectors import company_profile

        name = company_profile().name or _("My company")
        CompanyProfile.objects.get_or_create(singleton=True, defaults={"name": name})
        profile = CompanyProfile.objects.select_for_update().get()
    return profile


@transaction.atomic
def company_profile_update(*, actor: Actor, **changes: Any) -> CompanyProfile:
    """Change the company's profile (administrators). There is only ever one row."""
    _require(actor, "masterdata.change_companyprofile")
    unknown = set(changes) - set(COMPANY_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    profile = _company_locked()
    for name, value in changes.items():
        if name == "base_currency":
            value = _currency(value, field=name)
        elif name == "show_currency_symbols":
            if not isinstance(value, bool):
                raise ValidationError({name: [_("Enter true or false.")]})
        else:
            field = CompanyProfile._meta.get_field(name)
            max_length = field.max_length or 2000  # type: ignore[union-attr]  # concrete fields
            value = _text(value, field=name, max_length=max_length, required=name == "name")
        setattr(profile, name, value)
    profile.full_clean(exclude=["singleton"])
    _saved(profile)
    audit_record(actor=actor, action="company.updated", target=profile, data=_changed(changes))
    request_memo.forget()  # the request's remembered display settings (currency symbols)
    return profile


def _changed(changes: dict[str, Any]) -> dict[str, Any]:
    return {"fields": sorted(changes)}


@transaction.atomic
def bank_account_create(
    *,
    actor: Actor,
    bank_name: str,
    account_name: str,
    account_number: str,
    currency: str = Currency.CNY,
    is_default: bool = False,
) -> BankAccount:
    """Add a bank account to the company profile; at most one is the default."""
    _require(actor, "masterdata.add_bankaccount")
    profile = _company_locked()
    account = BankAccount(
        company=profile,
        bank_name=_text(bank_name, field="bank_name", max_length=200, required=True),
        account_name=_text(account_name, field="account_name", max_length=200, required=True),
        account_number=_text(account_number, field="account_number", max_length=64, required=True),
        currency=_currency(currency),
        is_default=bool(is_default),
    )
    if account.is_default:
        BankAccount.objects.filter(is_default=True).update(is_default=False)
    _saved(account)
    audit_record(actor=actor, action="bank_account.created", target=account)
    return account


@transaction.atomic
def bank_account_delete(*, actor: Actor, account: BankAccount) -> None:
    _require(actor, "masterdata.delete_bankaccount")
    audit_record(actor=actor, action="bank_account.deleted", target=account)
    account.delete()


# --- Tax rates ---------------------------------------------------------------------------


def _tax_rate_value(rate: Decimal) -> Decimal:
    if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(100):
        raise ValidationError({"rate": [_("Enter a percentage between 0 and 100.")]})
    if rate != rate.quantize(Decimal("0.01")):
        raise ValidationError({"rate": [_("Use at most two decimal places.")]})
    return rate


@transaction.atomic
def tax_rate_create(
    *, actor: Actor, name: str, rate: Decimal, is_default: bool = False, is_active: bool = True
) -> TaxRate:
    """Add a tax rate. Making it the default takes the flag from the previous one."""
    _require(actor, "masterdata.add_taxrate")
    tax_rate = TaxRate(
        name=_text(name, field="name", max_length=100, required=True),
        rate=_tax_rate_value(rate),
        is_default=bool(is_default),
        is_active=bool(is_active),
    )
    if tax_rate.is_default:
        TaxRate.objects.filter(is_default=True).update(is_default=False, updated_at=timezone.now())
    _saved(tax_rate)
    audit_record(actor=actor, action="tax_rate.created", target=tax_rate)
    return tax_rate


@transaction.atomic
def tax_rate_update(*, actor: Actor, tax_rate: TaxRate, **changes: Any) -> TaxRate:
    _require(actor, "masterdata.change_taxrate")
    tax_rate = TaxRate.objects.select_for_update().get(pk=tax_rate.pk)
    if "name" in changes:
        tax_rate.name = _text(changes["name"], field="name", max_length=100, required=True)
    if "rate" in changes:
        tax_rate.rate = _tax_rate_value(changes["rate"])
    if "is_active" in changes:
        tax_rate.is_active = bool(changes["is_active"])
    if changes.get("is_default"):
        TaxRate.objects.filter(is_default=True).exclude(pk=tax_rate.pk).update(
            is_default=False, updated_at=timezone.now()
        )
    if "is_default" in changes:
        tax_rate.is_default = bool(changes["is_default"])
    _saved(tax_rate)
    audit_record(actor=actor, action="tax_rate.updated", target=tax_rate, data=_changed(changes))
    return tax_rate


# --- Document numbering -----------------------------------------------------------------

# Formats of the documents the platform numbers; any other key gets `KEY-{year}-00001`.
DEFAULT_FORMATS = {
    "quote": "QT-{year}-{number:05d}",
    "order": "SO-{year}-{number:05d}",
    "delivery": "DN-{year}-{number:05d}",
    "invoice": "INV-{year}-{number:05d}",
    "credit_note": "CN-{year}-{number:05d}",
    "expense": "EX-{year}-{number:05d}",
    "payment": "RC-{year}-{number:05d}",
    "return": "RT-{year}-{number:05d}",
    "transfer": "TR-{year}-{number:05d}",
    "receipt": "GR-{year}-{number:05d}",
    "stocktake": "ST-{year}-{number:05d}",
    "stock_adjustment": "SA-{year}-{number:05d}",
    "price_adjustment": "PA-{year}-{number:05d}",
    "agreement": "MA-{year}-{number:05d}",
}


def document_format_check(pattern: str) -> str:
    """A numbering format must contain `{number…}` and render with a year and a number."""
    pattern = _text(pattern, field="format", max_length=100, required=True)
    try:
        sample = pattern.format(year=2026, number=1)
    except (KeyError, IndexError, ValueError):
        raise ValidationError(
            {"format": [_("Use {year} and {number}, e.g. SO-{year}-{number:05d}.")]}
        ) from None
    if "{number" not in pattern or pattern.format(year=2026, number=2) == sample:
        raise ValidationError({"format": [_("The format must contain {number}.")]})
    return pattern


def _default_format(key: str) -> str:
    latest = DocumentSequence.objects.filter(key=key).order_by("-year").first()
    if latest is not None:
        return latest.format
    return DEFAULT_FORMATS.get(key, f"{key.upper()}-{{year}}-{{number:05d}}")


def _sequence_locked(key: str, year: int) -> DocumentSequence:
    sequence = DocumentSequence.objects.select_for_update().filter(key=key, year=year).first()
    if sequence is not None:
        return sequence
    try:
        with transaction.atomic():
            DocumentSequence.objects.create(key=key, year=year, format=_default_format(key))
    except IntegrityError:
        pass  # another transaction created it first; its row is the one to lock
    return DocumentSequence.objects.select_for_update().get(key=key, year=year)


@transaction.atomic
def document_number_next(*, key: str, year: int | None = None) -> str:
    """The next number of document kind `key` in `year` (default: this year).

    Gap-free and unique: the sequence row stays locked until the caller's transaction
    ends, so two documents never get one number, and a rolled-back document gives its
    number back. Call it in the same transaction that saves the document. The price is
    that documents of one kind are numbered one transaction at a time: keep the
    numbering step late in the transaction.
    """
    if not key or len(key) > 40:
        raise ValueError("document key must be 1 to 40 characters")
    year = year or timezone.localdate().year
    sequence = _sequence_locked(key, year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number", "updated_at"])
    return sequence.format.format(year=year, number=sequence.last_number)


@transaction.atomic
def document_format_set(*, actor: Actor, key: str, pattern: str, year: int | None = None) -> None:
    """Change how documents of kind `key` are numbered from `year` on (administrators)."""
    _require(actor, "masterdata.change_documentsequence")
    year = year or timezone.localdate().year
    pattern = document_format_check(pattern)
    sequence = _sequence_locked(key, year)
    sequence.format = pattern
    sequence.save(update_fields=["format", "updated_at"])
    audit_record(actor=actor, action="numbering.changed", target=sequence, data={"format": pattern})


# --- Trees: branches, sales regions, product categories --------------------------------

TREE_PERMISSIONS = {
    Branch: "branch",
    SalesRegion: "salesregion",
    ProductCategory: "productcategory",
}
TREE_FIELDS = {
    Branch: ("name", "code", "is_active", "address", "phone"),
    SalesRegion: ("name", "code", "is_active"),
    ProductCategory: ("name", "code", "is_active"),
}


def _node_values(model: type[TreeNode], changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(TREE_FIELDS[model])
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "is_active":
            values[name] = bool(value)
            continue
        max_length = model._meta.get_field(name).max_length or 2000
        values[name] = _text(value, field=name, max_length=max_length, required=name == "name")
    return values


@transaction.atomic
def tree_node_create(
    *, actor: Actor, model: type[TreeNode], parent: TreeNode | None = None, **fields: Any
) -> TreeNode:
    """Add a branch, region or category, at the top or under `parent`."""
    _require(actor, f"masterdata.add_{TREE_PERMISSIONS[model]}")
    if parent is not None and not isinstance(parent, model):
        raise ValidationError({"parent": [_("Choose a parent of the same kind.")]})
    values = _node_values(model, fields)
    if "name" not in values:
        raise ValidationError({"name": [_("This field is required.")]})
    node = model(**values)
    _lock_tree(model)
    try:
        with transaction.atomic():
            if parent is None:
                node = model.objects.add_root(instance=node)
            else:
                parent = model.objects.get(pk=parent.pk)
                node = model.objects.add_child(parent, instance=node)
    except IntegrityError as exc:
        raise ValidationError(_unique_error(node, exc)) from exc
    audit_record(actor=actor, action=f"{model._meta.model_name}.created", target=node)
    return node  # type: ignore[no-any-return]  # treebeard is untyped


_NO_CHANGE = object()


def _lock_tree(model: type[TreeNode]) -> None:
    """Serialise changes to one tree's shape: two nodes added at once would otherwise
    compute the same materialised path. Trees are small and rarely edited."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            # django-tenants' connection
            [f"{connection.schema_name}|tree|{model._meta.label_lower}"],  # type: ignore[attr-defined]
        )


@transaction.atomic
def tree_node_update(
    *, actor: Actor, node: TreeNode, parent: Any = _NO_CHANGE, **changes: Any
) -> TreeNode:
    """Rename, recode, (de)activate or move a node. A node cannot move under itself."""
    model = type(node)
    _require(actor, f"masterdata.change_{TREE_PERMISSIONS[model]}")
    values = _node_values(model, changes)
    if parent is not _NO_CHANGE:
        _lock_tree(model)
    node = model.objects.select_for_update().get(pk=node.pk)
    for name, value in values.items():
        setattr(node, name, value)
    _saved(node)
    if parent is not _NO_CHANGE:
        _move(node, parent)
        node.refresh_from_db()
    audit_record(
        actor=actor,
        action=f"{model._meta.model_name}.updated",
        target=node,
        data=_changed({**changes, **({} if parent is _NO_CHANGE else {"parent": None})}),
    )
    return node


def _move(node: TreeNode, parent: TreeNode | None) -> None:
    model = type(node)
    current = model.objects.get_parent(node)
    if (current.pk if current else None) == (parent.pk if parent else None):
        return
    if parent is None:
        model.objects.move(node, model.objects.get_first_root_node(), pos="last-sibling")
        if model is Branch:
            default_locations.invalidate()
        return
    if not isinstance(parent, model):
        raise ValidationError({"parent": [_("Choose a parent of the same kind.")]})
    if parent.path.startswith(node.path):
        raise ValidationError({"parent": [_("A node cannot be moved under itself.")]})
    model.objects.move(node, parent, pos="last-child")
    if model is Branch:  # a moved branch may fall under another default location
        default_locations.invalidate()


# --- Products ----------------------------------------------------------------------------

PRODUCT_FIELDS = (
    "sku",
    "name",
    "description",
    "category",
    "unit",
    "barcode",
    "image",
    "list_price",
    "currency",
    "tax_rate",
    "tracks_stock",
    "lot_tracked",
    "is_active",
)


class ProductFields(TypedDict, total=False):
    """The fields `product_create` and `product_update` take, as typed values: the form,
    serializer or import has parsed the text (a price arrives as a Decimal)."""

    sku: str
    name: str
    description: str
    category: ProductCategory | None
    unit: str
    barcode: str
    image: UploadedFile[Any] | str | None
    list_price: Decimal
    currency: str
    tax_rate: TaxRate | None
    tracks_stock: bool
    lot_tracked: bool
    is_active: bool


def product_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise product fields (shared with the import)."""
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            values[name] = _product_value(name, value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if values.get("lot_tracked") and values.get("tracks_stock") is False:
        errors["lot_tracked"] = [_("A product with lots keeps track of its stock.")]
    if errors:
        raise ValidationError(errors)
    return values


def _product_value(name: str, value: Any) -> Any:
    if name in ("sku", "name", "unit"):
        # concrete fields
        max_length = Product._meta.get_field(name).max_length  # type: ignore[union-attr]
        # concrete fields
        return _text(value, field=name, max_length=max_length, required=True)  # type: ignore[arg-type]
    if name in ("description", "barcode"):
        # concrete fields
        max_length = Product._meta.get_field(name).max_length or 10000  # type: ignore[union-attr]
        return _text(value, field=name, max_length=max_length)
    if name == "list_price":
        return money(value, field=name)
    if name == "currency":
        return _currency(value)
    if name in ("is_active", "tracks_stock", "lot_tracked"):
        return bool(value)
    if name == "category":
        if value is not None and not isinstance(value, ProductCategory):
            raise ValidationError({name: [_("Choose a product category.")]})
        return value
    if name == "tax_rate":
        if value is not None and not isinstance(value, TaxRate):
            raise ValidationError({name: [_("Choose a tax rate.")]})
        return value
    if name == "image":
        if value not in (None, "") and not isinstance(value, UploadedFile):
            raise ValidationError({name: [_("Upload an image file.")]})
        return value or ""
    raise AssertionError(name)


def _product_event(product: Product) -> dict[str, Any]:
    return {
        "product_id": product.pk,
        "sku": product.sku,
        "name": product.name,
        "list_price": str(product.list_price),
        "currency": product.currency,
        "is_active": product.is_active,
    }


@transaction.atomic
def product_create(*, actor: Actor, **fields: Unpack[ProductFields]) -> Product:
    """Add a product. SKUs are unique ignoring case; barcodes unique when given.

    Without a currency the product is priced in the company's base currency, and
    without a tax rate it takes the default rate.
    """
    _require(actor, "masterdata.add_product")
    fields.setdefault("sku", "")
    fields.setdefault("name", "")
    values = product_values(fields)
    if "currency" not in values:
        profile = CompanyProfile.objects.first()
        values["currency"] = profile.base_currency if profile else Currency.CNY
    if "tax_rate" not in values:
        values["tax_rate"] = TaxRate.objects.filter(is_default=True, is_active=True).first()
    product = Product(**values)
    _saved(product)
    audit_record(actor=actor, action="product.created", target=product)
    events.emit(event_type="product.created", payload=_product_event(product))
    return product


@transaction.atomic
def product_update(*, actor: Actor, product: Product, **changes: Unpack[ProductFields]) -> Product:
    """Change a product's fields; deactivate rather than delete (orders refer to it)."""
    _require(actor, "masterdata.change_product")
    values = product_values(changes)
    product = Product.objects.select_for_update().get(pk=product.pk)
    for name, value in values.items():
        setattr(product, name, value)
    _saved(product, update_fields=[*values, "updated_at"])
    audit_record(actor=actor, action="product.updated", target=product, data=_changed(values))
    events.emit(event_type="product.updated", payload=_product_event(product))
    return product


# --- Staff -------------------------------------------------------------------------------


class StaffProfileFields(TypedDict, total=False):
    branch: Branch
    region: SalesRegion | None
    manager: Any  # a user of this workspace, or None
    title: str
    phone: str


STAFF_PROFILE_FIELDS = ("branch", "region", "manager", "title", "phone")


@transaction.atomic
def staff_profile_set(
    *,
    actor: Actor,
    user: Any,
    branch: Branch,
    region: SalesRegion | None = None,
    title: str = "",
    phone: str = "",
) -> StaffProfile:
    """Say where `user` works: their branch and, optionally, their sales region (the
    manager, if any, stays as it was)."""
    return staff_profile_update(
        actor=actor, user=user, branch=branch, region=region, title=title, phone=phone
    )


def _lock_reporting() -> None:
    """Serialise changes of managers: two people made each other's manager at once
    would otherwise each pass the loop check."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"{connection.schema_name}|reporting"],  # type: ignore[attr-defined]  # django-tenants
        )


def _manager_checked(user: Any, manager: Any) -> Any:
    """`manager` read again from this workspace, if they may be `user`'s manager: an
    active member of staff (not a dealer), not `user`, and not anyone below `user` in
    the reporting chain (the chain would go round in a circle)."""
    from django.contrib.auth import get_user_model

    from tradepost.accounts.roles import Role

    manager_id = getattr(manager, "pk", None)
    staff = get_user_model().objects.filter(is_active=True).exclude(groups__name=Role.DEALER)
    found = staff.filter(pk=manager_id).first() if manager_id is not None else None
    if found is None:
        raise ValidationError({"manager": [_("Choose an active member of staff.")]})
    if found.pk == user.pk:
        raise ValidationError({"manager": [_("Nobody can report to themselves.")]})
    _lock_reporting()
    above = [found, *selectors.reporting_chain(found)]
    if any(person.pk == user.pk for person in above):
        raise ValidationError(
            {
                "manager": [
                    _(
                        "%(manager)s already reports to %(person)s, directly or through "
                        "others: the reporting chain would go round in a circle."
                    )
                    % {"manager": found, "person": user}
                ]
            }
        )
    if len(above) >= selectors.MAX_CHAIN_DEPTH:
        raise ValidationError(
            {
                "manager": [
                    _("A reporting chain may be at most %(levels)d levels deep.")
                    % {"levels": selectors.MAX_CHAIN_DEPTH}
                ]
            }
        )
    return found


@transaction.atomic
def staff_profile_update(
    *, actor: Actor, user: Any, **changes: Unpack[StaffProfileFields]
) -> StaffProfile:
    """Change where `user` works and whom they report to; only the fields given change.
    A user's first profile needs a branch. The manager is an active member of staff,
    never the user, and never someone who reports to the user: the reporting chain
    has no loops, so scopes and escalations along it always end."""
    _require(actor, "masterdata.change_staffprofile")
    unknown = set(changes) - set(STAFF_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not a staff profile field: {sorted(unknown)}")
    values: dict[str, Any] = {}
    if "branch" in changes:
        if not isinstance(changes["branch"], Branch):
            raise ValidationError({"branch": [_("Choose a branch.")]})
        values["branch"] = changes["branch"]
    if "region" in changes:
        region = changes["region"]
        if region is not None and not isinstance(region, SalesRegion):
            raise ValidationError({"region": [_("Choose a sales region.")]})
        values["region"] = region
    for name, max_length in (("title", 100), ("phone", 50)):
        if name in changes:
            values[name] = _text(changes[name], field=name, max_length=max_length)  # type: ignore[literal-required]
    if "manager" in changes:
        manager = changes["manager"]
        values["manager"] = None if manager is None else _manager_checked(user, manager)
    profile = StaffProfile.objects.select_for_update().filter(user_id=user.pk).first()
    if profile is None:
        if "branch" not in values:
            raise ValidationError(
                {"branch": [_("Choose a branch: everyone on the staff works in one.")]}
            )
        profile = StaffProfile(user=user, **values)
        profile.save()
    else:
        for name, value in values.items():
            setattr(profile, name, value)
        profile.save(update_fields=[*values, "updated_at"])
    audit_record(
        actor=actor,
        action="staff_profile.set",
        target=profile,
        data={
            "fields": sorted(values),
            "branch_id": profile.branch_id,
            "region_id": profile.region_id,
            "manager_id": profile.manager_id,
        },
    )
    return profile


# --- Locations and suppliers ---------------------------------------------------------------

LOCATION_FIELDS = ("name", "code", "kind", "branch", "address", "is_default", "is_active")
SUPPLIER_FIELDS = ("name", "code", "contact_name", "phone", "email", "address", "is_active")


def _code_free(model: type[Location] | type[Supplier], code: str, exclude: int | None) -> None:
    """Codes are unique ignoring case (the database's constraint says so too)."""
    if not code:
        return
    taken = model.objects.filter(code__iexact=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ValidationError(
            {"code": [_("The code %(code)s is already used by another record.") % {"code": code}]}
        )


def _location_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(LOCATION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("name", "code"):
            max_length = 150 if name == "name" else 40
            values[name] = _text(value, field=name, max_length=max_length, required=True)
        elif name == "address":
            values[name] = _text(value, field=name, max_length=2000)
        elif name == "kind":
            if value not in Location.Kind.values:
                raise ValidationError({name: [_("Choose a warehouse or a store.")]})
            values[name] = str(value)
        elif name == "branch":
            if value is not None and not isinstance(value, Branch):
                raise ValidationError({name: [_("Choose a branch.")]})
            values[name] = value
        else:  # is_default, is_active
            values[name] = bool(value)
    return values


def _location_default_take(location: Location) -> None:
    """`location` becomes its branch's default: the branch's previous default (locked
    first, so two at once queue) stops being one, in the caller's transaction."""
    same_branch = (
        Q(branch__isnull=True) if location.branch_id is None else Q(branch_id=location.branch_id)
    )
    previous = list(
        Location.objects.select_for_update()
        .filter(same_branch, is_default=True)
        .exclude(pk=location.pk)
    )
    for other in previous:
        other.is_default = False
        other.save(update_fields=["is_default", "updated_at"])


def _location_check(location: Location) -> None:
    if location.is_default and not location.is_active:
        raise ValidationError(
            {
                "is_active": [
                    _("A branch's default location must be active; choose another default first.")
                ]
            }
        )


@transaction.atomic
def location_create(
    *,
    actor: Actor,
    name: str,
    code: str,
    kind: str = Location.Kind.WAREHOUSE,
    branch: Branch | None = None,
    address: str = "",
    is_default: bool = False,
    is_active: bool = True,
) -> Location:
    """Add a warehouse or store. Codes are unique ignoring case; making it its branch's
    default (the workspace's, without a branch) takes the flag from the previous one."""
    _require(actor, "masterdata.add_location")
    values = _location_values(
        {
            "name": name,
            "code": code,
            "kind": kind,
            "branch": branch,
            "address": address,
            "is_default": is_default,
            "is_active": is_active,
        }
    )
    _code_free(Location, values["code"], None)
    location = Location(**values)
    _location_check(location)
    if location.is_default:
        _location_default_take(location)
    _saved(location)
    audit_record(actor=actor, action="location.created", target=location)
    return location


@transaction.atomic
def location_update(*, actor: Actor, location: Location, **changes: Any) -> Location:
    """Change a location's fields. Deactivate rather than delete: the stock ledger
    refers to it. Making it the default unsets its branch's previous default."""
    _require(actor, "masterdata.change_location")
    values = _location_values(changes)
    location = Location.objects.select_for_update().get(pk=location.pk)
    if "code" in values:
        _code_free(Location, values["code"], location.pk)
    for name, value in values.items():
        setattr(location, name, value)
    _location_check(location)
    if location.is_default:
        _location_default_take(location)
    _saved(location, update_fields=[*values, "updated_at"])
    audit_record(actor=actor, action="location.updated", target=location, data=_changed(values))
    return location


def _supplier_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - set(SUPPLIER_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    values: dict[str, Any] = {}
    limits = {"name": 200, "code": 40, "contact_name": 150, "phone": 50, "email": 254}
    for name, value in changes.items():
        if name == "is_active":
            values[name] = bool(value)
        elif name == "address":
            values[name] = _text(value, field=name, max_length=2000)
        else:
            text = _text(value, field=name, max_length=limits[name], required=name == "name")
            if name == "email" and text:
                try:
                    validate_email(text)
                except ValidationError:
                    raise ValidationError({name: [_("Enter a valid e-mail address.")]}) from None
            values[name] = text
    return values


@transaction.atomic
def supplier_create(
    *,
    actor: Actor,
    name: str,
    code: str = "",
    contact_name: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    is_active: bool = True,
) -> Supplier:
    """Add a supplier; a code, when given, is unique ignoring case."""
    _require(actor, "masterdata.add_supplier")
    values = _supplier_values(
        {
            "name": name,
            "code": code,
            "contact_name": contact_name,
            "phone": phone,
            "email": email,
            "address": address,
            "is_active": is_active,
        }
    )
    _code_free(Supplier, values["code"], None)
    supplier = Supplier(**values)
    _saved(supplier)
    audit_record(actor=actor, action="supplier.created", target=supplier)
    return supplier


@transaction.atomic
def supplier_update(*, actor: Actor, supplier: Supplier, **changes: Any) -> Supplier:
    """Change a supplier's fields; deactivate rather than delete (receipts refer to it)."""
    _require(actor, "masterdata.change_supplier")
    values = _supplier_values(changes)
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if "code" in values:
        _code_free(Supplier, values["code"], supplier.pk)
    for name, value in values.items():
        setattr(supplier, name, value)
    _saved(supplier, update_fields=[*values, "updated_at"])
    audit_record(actor=actor, action="supplier.updated", target=supplier, data=_changed(values))
    return supplier
