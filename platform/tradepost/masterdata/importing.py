"""Products in CSV and Excel files: the `products` resource of tradepost.dataio.

Columns (headers in English or Chinese): sku (the key: a known SKU, in any case,
updates that product), name, description, category (code or name), unit, barcode,
list_price, currency, tax_rate (name, or the percentage such as 13 or 13%),
is_active. Columns left out of the file keep their value on update; on create they
take the defaults (the company's base currency, the default tax rate).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost import events
from tradepost.audit.services import audit_record
from tradepost.dataio import spec as dataio
from tradepost.dataio.parsers import lookup_parser, lookup_table
from tradepost.masterdata import selectors
from tradepost.masterdata.models import CompanyProfile, Currency, Product, ProductCategory, TaxRate
from tradepost.principals import Actor


def _prepare(actor: Actor) -> dict[str, Any]:
    categories = list(ProductCategory.objects.only("pk", "name", "code"))
    tax_rates = list(TaxRate.objects.only("pk", "name", "rate", "is_default"))
    # Codes first: a code wins over another category's identical name.
    category_table = lookup_table([(c.name, c) for c in categories])
    category_table.update({c.code.casefold(): c for c in categories if c.code})
    tax_table = lookup_table(
        [(t.name, t) for t in tax_rates]
        + [(f"{t.rate.normalize():f}", t) for t in tax_rates]
        + [(f"{t.rate.normalize():f}%", t) for t in tax_rates]
    )
    profile = CompanyProfile.objects.first()
    return {
        "categories": category_table,
        "tax_rates": tax_table,
        "base_currency": profile.base_currency if profile else Currency.CNY,
        "default_tax_rate": next((t for t in tax_rates if t.is_default), None),
    }


_NO_TAX_RATE = gettext_lazy("No tax rate “%(value)s”; add it first.")
_find_tax_rate = lookup_parser("tax_rates", _NO_TAX_RATE)


def _parse_tax_rate(text: str, context: dict[str, Any]) -> TaxRate:
    try:
        return _find_tax_rate(text, context)
    except ValidationError:
        try:  # "13.0" or "13.00 %" for a rate of 13
            number = Decimal(text.rstrip("% ").strip())
        except InvalidOperation:
            raise ValidationError(_NO_TAX_RATE % {"value": text}) from None
        return _find_tax_rate(f"{number.normalize():f}", context)


def _check(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    """Barcodes are unique across products: within the file and against other SKUs."""
    by_barcode: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        barcode = row.values.get("barcode")
        if barcode:
            by_barcode[barcode].append(row)
    for barcode, holders in by_barcode.items():
        for row in holders[1:]:
            report.add_error(
                row.row,
                "barcode",
                barcode,
                _("Also on row %(row)d; barcodes are unique.") % {"row": holders[0].row},
            )
    if not by_barcode:
        return
    taken = Product.objects.filter(barcode__in=list(by_barcode)).values_list("barcode", "sku")
    for barcode, sku in taken:
        for row in by_barcode[barcode]:
            if row.key != sku.casefold():
                report.add_error(
                    row.row,
                    "barcode",
                    barcode,
                    _("Already used by product %(sku)s.") % {"sku": sku},
                )


def _defaults(context: dict[str, Any]) -> dict[str, Any]:
    return {"currency": context["base_currency"], "tax_rate": context["default_tax_rate"]}


def _finished(actor: Actor, created: int, updated: int) -> None:
    data = {"created": created, "updated": updated}
    audit_record(actor=actor, action="product.imported", data=data)
    events.emit(event_type="product.imported", payload=data)


def _category_cell(product: Product) -> str:
    category = product.category
    return (category.code or category.name) if category else ""


def _tax_rate_cell(product: Product) -> str:
    return product.tax_rate.name if product.tax_rate else ""


def _browser_queryset(actor: Actor, query: Any):
    """Export what the product list shows: its search, filters and sort."""
    from tradepost.masterdata.filters import ProductListFilter
    from tradepost.workspace.lists import filter_query

    return filter_query(query or {}, actor, selectors.product_list(actor), ProductListFilter)


PRODUCTS = dataio.register(
    dataio.ResourceSpec(
        name="products",
        label=Product._meta.verbose_name_plural,  # type: ignore[arg-type]  # lazy text
        model=Product,
        key="sku",
        columns=[
            dataio.Column("sku", required=True, aliases=("SKU", "编码", "商品编码")),
            dataio.Column("name", required=True, aliases=("名称", "商品名称")),
            dataio.Column("description", aliases=("描述", "说明")),
            dataio.Column(
                "category",
                parse=lookup_parser("categories", gettext_lazy("No product category “%(value)s”.")),
                export=_category_cell,
                aliases=("分类", "类别"),
            ),
            dataio.Column("unit", aliases=("单位",)),
            dataio.Column("barcode", aliases=("条码", "条形码")),
            dataio.Column("list_price", aliases=("price", "价格", "标价")),
            dataio.Column("currency", aliases=("币种", "货币")),
            dataio.Column(
                "tax_rate", parse=_parse_tax_rate, export=_tax_rate_cell, aliases=("税率",)
            ),
            dataio.Column("is_active", aliases=("active", "启用")),
        ],
        queryset=selectors.products_visible,
        prepare=_prepare,
        defaults=_defaults,
        check=_check,
        finished=_finished,
        export_queryset=lambda queryset: queryset.select_related("category", "tax_rate"),
        list_url="masterdata:product_list",
        browser_queryset=_browser_queryset,
    )
)
