"""Browser forms of the inventory pages. They parse input; the services decide.

A stock document's lines (receipt, transfer, adjustment) are a formset of
`StockLineForm` whose fields depend on the document (`line_formset(kind, ...)`): blank
rows are ignored and `line_items()` gives the services their `StockLineInput`s. The
page draws them one field under the other (usable on a phone) with
`inventory/_stock_lines.html`; `inventory/scan.js` adds a line per scanned barcode or
SKU and a row on "Add a line".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tradepost.customers.forms import DateInput
from tradepost.inventory.lines import MAX_LINES, StockLineInput
from tradepost.inventory.models import Lot, Receipt, StocktakeLine
from tradepost.inventory.stocktakes import FoundCount
from tradepost.masterdata.forms import ProductChoice
from tradepost.masterdata.models import Branch, Location, Product, Supplier
from tradepost.pricing.lines import decimal_text
from tradepost.workspace.forms import QuantityField

EXTRA_LINE_ROWS = 1
MAX_FOUND = 200


def stock_products():
    """Products a stock line may name: active ones that track stock."""
    return Product.objects.filter(is_active=True, tracks_stock=True).order_by("sku")


def active_locations():
    return Location.objects.filter(is_active=True).order_by("name", "pk")


class LocationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


def location_choice(label, **kwargs) -> LocationChoice:
    return LocationChoice(queryset=active_locations(), label=label, **kwargs)


class BigInputs:
    """Inputs a thumb can hit (`inventory.css` draws `.big` inputs tall)."""

    def _enlarge(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = f"{css} big".strip()


# --- Lines ---------------------------------------------------------------------------
LINE_FIELDS = {
    "receipt": ("product", "quantity", "unit_cost", "lot_number", "expires_on"),
    "transfer": ("product", "quantity", "lot_number"),
    "adjustment": ("product", "quantity", "unit_cost", "lot_number", "expires_on"),
}


class StockLineForm(BigInputs, forms.Form):
    product = ProductChoice(queryset=None, label=_("Product"), required=False)
    quantity = QuantityField(label=_("Quantity"), required=False)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), required=False, max_digits=18, decimal_places=4, min_value=0
    )
    lot_number = forms.CharField(label=_("Lot number"), max_length=60, required=False)
    expires_on = forms.DateField(label=_("Expires"), required=False, widget=DateInput())

    def __init__(self, *args, kind: str = "receipt", **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in LINE_FIELDS[kind]:
                del self.fields[name]
        self.fields["product"].queryset = stock_products()  # type: ignore[attr-defined]
        if kind == "adjustment":
            # A correction goes either way: −2 broken, +1 found.
            self.fields["quantity"] = QuantityField(
                label=_("Quantity (− to take out)"), required=False, min_value=None
            )
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
        self._enlarge()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("product") and data.get("quantity") in (None, Decimal(0)):
            self.add_error("quantity", _("Enter a quantity."))
        elif data.get("quantity") and not data.get("product"):
            self.add_error("product", _("Select a product."))
        return data

    def is_blank(self) -> bool:
        return not (self.cleaned_data.get("product") or self.cleaned_data.get("quantity"))


class BaseStockLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, kind: str = "receipt", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "kind": self.kind}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this line")

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            kind=self.kind,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def line_items(self) -> list[StockLineInput]:
        items: list[StockLineInput] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            data = form.cleaned_data
            item: StockLineInput = {"product": data["product"], "quantity": data["quantity"]}
            if "unit_cost" in data:
                item["unit_cost"] = data.get("unit_cost")
            if "lot_number" in data:
                item["lot_number"] = data.get("lot_number") or ""
            if "expires_on" in data:
                item["expires_on"] = data.get("expires_on")
            items.append(item)
        return items


StockLineFormSet = forms.formset_factory(
    StockLineForm,
    formset=BaseStockLineFormSet,
    extra=EXTRA_LINE_ROWS,
    max_num=MAX_LINES,
    validate_max=True,
)


# A document's lines changed on its edit page: each row may be removed.
StockLineEditFormSet = forms.formset_factory(
    StockLineForm,
    formset=BaseStockLineFormSet,
    extra=EXTRA_LINE_ROWS,
    max_num=MAX_LINES,
    validate_max=True,
    can_delete=True,
)


def line_formset(kind: str, data=None, *, initial=None) -> BaseStockLineFormSet:
    """The lines of a new document; with `initial` (a dict per saved line), the lines
    of one being changed, each with "Remove this line"."""
    if initial is not None:
        return StockLineEditFormSet(  # type: ignore[call-arg,return-value]
            data, prefix="lines", kind=kind, initial=initial
        )
    return StockLineFormSet(data, prefix="lines", kind=kind)  # type: ignore[call-arg,return-value]


def receipt_line_initial(lines) -> list[dict]:
    """A receipt's saved lines as the edit page's rows show them."""
    return [
        {
            "product": line.product_id,
            "quantity": decimal_text(line.quantity),
            "unit_cost": decimal_text(line.unit_cost),
            "lot_number": line.lot_number,
            "expires_on": line.expires_on,
        }
        for line in lines
    ]


class FoundCountForm(BigInputs, forms.Form):
    """A product found on the shelf that the count sheet did not list. The count is
    named `quantity` so that the scan box fills it as it fills a stock line."""

    product = ProductChoice(queryset=None, label=_("Product found"), required=False)
    quantity = QuantityField(label=_("Counted"), required=False)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60, required=False)
    expires_on = forms.DateField(label=_("Expires"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = stock_products()
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
        self._enlarge()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("product") and data.get("quantity") is None:
            self.add_error("quantity", _("Enter what was counted."))
        elif not data.get("product") and not self.is_blank():
            self.add_error("product", _("Select a product."))
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (
            data.get("product")
            or data.get("quantity") is not None
            or data.get("lot_number")
            or data.get("expires_on")
        )


class BaseFoundCountFormSet(forms.BaseFormSet):
    def found_items(self) -> list[FoundCount]:
        items: list[FoundCount] = []
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.is_blank():
                continue
            data = form.cleaned_data
            items.append(
                {
                    "product": data["product"],
                    "counted": data["quantity"],
                    "lot_number": data.get("lot_number") or "",
                    "expires_on": data.get("expires_on"),
                }
            )
        return items

    def messages(self) -> list[str]:
        """Each row's errors, named by its place in the list (for the page's summary)."""
        found = []
        for index, form in enumerate(self.forms):
            for field_errors in form.errors.values():
                for message in field_errors:
                    found.append(
                        _("Product found %(n)s: %(error)s") % {"n": index + 1, "error": message}
                    )
        found.extend(str(message) for message in self.non_form_errors())
        return found


FoundCountFormSet = forms.formset_factory(
    FoundCountForm,
    formset=BaseFoundCountFormSet,
    extra=EXTRA_LINE_ROWS,
    max_num=MAX_FOUND,
    validate_max=True,
)


def found_formset(data=None) -> BaseFoundCountFormSet:
    return FoundCountFormSet(data, prefix="found")  # type: ignore[return-value]


# --- Document headers ----------------------------------------------------------------
class ReceiptForm(BigInputs, forms.Form):
    location = location_choice(_("Receive into"))
    supplier = forms.ModelChoiceField(
        queryset=Supplier.objects.filter(is_active=True).order_by("name", "pk"),
        label=_("Supplier"),
        required=False,
    )
    supplier_reference = forms.CharField(
        label=_("Supplier's reference"),
        max_length=100,
        required=False,
        help_text=_("Their delivery note or invoice number."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, receipt: Receipt | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if receipt is not None and receipt.supplier_id is not None:
            # A receipt keeps a supplier once named (another may be chosen); its own
            # stays on the list even if it has been deactivated since.
            supplier = self.fields["supplier"]
            supplier.queryset = Supplier.objects.filter(  # type: ignore[attr-defined]
                Q(is_active=True) | Q(pk=receipt.supplier_id)
            ).order_by("name", "pk")
            supplier.required = True
            supplier.empty_label = None  # type: ignore[attr-defined]
        self._enlarge()


def receipt_initial(receipt: Receipt) -> dict:
    return {
        "location": receipt.location_id,
        "supplier": receipt.supplier_id,
        "supplier_reference": receipt.supplier_reference,
        "notes": receipt.notes,
    }


class TransferForm(BigInputs, forms.Form):
    source = location_choice(_("From"))
    destination = location_choice(_("To"))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._enlarge()


class StocktakeForm(BigInputs, forms.Form):
    location = location_choice(_("Location to count"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Why it is counted (e.g. month-end count)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._enlarge()


class AdjustmentForm(BigInputs, forms.Form):
    location = location_choice(_("Location"))
    reason = forms.CharField(
        label=_("Reason"), max_length=300, help_text=_("Breakage, goods found, opening stock …")
    )
    opening = forms.BooleanField(
        label=_("Opening stock"),
        required=False,
        help_text=_("The stock this location starts with, at its unit cost."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._enlarge()


class DeliveryEditForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100, required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))


class DeliveryCreateForm(DeliveryEditForm):
    """The header of a new delivery; the quantities per order line are `line-<id>`."""


def line_quantities(
    data: Mapping[str, str], ids_and_labels: Iterable[tuple[int, str]], *, prefix: str
) -> dict[int, Decimal | None]:
    """Id → quantity from `<prefix>-<id>` fields (empty: None). A value that is not a
    quantity is refused, naming the line by its label, all such lines at once."""
    field = QuantityField()
    values: dict[int, Decimal | None] = {}
    errors = []
    for pk, label in ids_and_labels:
        text = (data.get(f"{prefix}-{pk}") or "").strip()
        if not text:
            values[pk] = None
            continue
        try:
            values[pk] = field.clean(text)
        except ValidationError:
            errors.append(_("%(line)s: enter a quantity of zero or more.") % {"line": label})
    if errors:
        raise ValidationError({"lines": errors})
    return values


def chosen_lots(
    data: Mapping[str, str], order_line_ids: Iterable[int], *, prefix: str = "lot"
) -> dict[int, Lot | None]:
    """Order line id → the lot chosen in `<prefix>-<id>` (None: "first to expire",
    an empty choice). Lines without the field are left out; an id that is no lot is
    refused. The service checks that the lot fits the line."""
    raw: dict[int, str] = {}
    for pk in order_line_ids:
        name = f"{prefix}-{pk}"
        if name in data:
            raw[pk] = (data.get(name) or "").strip()
    wanted = {text for text in raw.values() if text}
    if any(not text.isdigit() or len(text) > 18 for text in wanted):
        raise ValidationError({"lines": [_("Choose a lot from the list.")]})
    found = Lot.objects.in_bulk([int(text) for text in wanted])
    if len(found) != len(wanted):
        raise ValidationError({"lines": [_("Choose a lot from the list.")]})
    return {pk: (found[int(text)] if text else None) for pk, text in raw.items()}


def count_label(line: StocktakeLine) -> str:
    lot = f" / {line.lot.number}" if line.lot_id and line.lot else ""
    return f"{line.product.sku}{lot}"


# --- Places and suppliers ------------------------------------------------------------
class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    code = forms.CharField(label=_("Code"), max_length=40)
    kind = forms.ChoiceField(label=_("Type"), choices=Location.Kind.choices)
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.filter(is_active=True).order_by("path"),
        label=_("Branch"),
        required=False,
    )
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea({"rows": 2})
    )
    is_default = forms.BooleanField(
        label=_("Branch default"),
        required=False,
        help_text=_("Orders of the branch's customers ship from here."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)


class SupplierForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    contact_name = forms.CharField(label=_("Contact"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(
        label=_("Address"), required=False, widget=forms.Textarea({"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
