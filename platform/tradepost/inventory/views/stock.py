"""Stock pages: the overview of balances (filters, totals, sortable columns), a
product's stock card (its balance per location and its moves with a running balance)
and the product lookup the scan boxes call."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum, Value, Window
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tradepost.amounts import QUANTITY
from tradepost.inventory import selectors
from tradepost.inventory.filters import StockBalanceListFilter
from tradepost.inventory.models import StockMove
from tradepost.masterdata.models import Location, Product
from tradepost.workspace.lists import list_page, page_of, query_id

ROWS_PER_PAGE = 50
MOVES_PER_PAGE = 50
MAX_CODE = 64
ZERO = Decimal(0)
_QTY = DecimalField(**QUANTITY)
_VALUE = DecimalField(max_digits=32, decimal_places=6)


def _totals(rows) -> dict:
    """The filtered balances' sums, in one query (the value only for who may see cost)."""
    sums = rows.order_by().aggregate(
        sum_on_hand=Coalesce(Sum("on_hand"), Value(ZERO), output_field=_QTY),
        sum_reserved=Coalesce(Sum("reserved"), Value(ZERO), output_field=_QTY),
        sum_in_transit=Coalesce(Sum("in_transit"), Value(ZERO), output_field=_QTY),
        sum_value=Coalesce(
            Sum(ExpressionWrapper(F("on_hand") * F("average_cost"), output_field=_VALUE)),
            Value(ZERO),
            output_field=_VALUE,
        ),
    )
    totals = {name.removeprefix("sum_"): value for name, value in sums.items()}
    totals["available"] = totals["on_hand"] - totals["reserved"]
    return totals


@login_required
@permission_required("inventory.view_stockbalance", raise_exception=True)
def stock_overview(request: HttpRequest) -> HttpResponse:
    rows = (
        selectors.balances()
        .annotate(
            available_quantity=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=_QTY),
            stock_value=ExpressionWrapper(F("on_hand") * F("average_cost"), output_field=_VALUE),
        )
        .order_by("product_id", "location__name", "pk")  # the (product, location) index
    )
    context = list_page(request, rows, StockBalanceListFilter, per_page=ROWS_PER_PAGE)
    context["totals"] = _totals(context["page"].paginator.object_list)
    context["show_cost"] = request.user.has_perm("inventory.view_stock_cost")
    return render(request, "inventory/stock/list.html", context)


@login_required
@permission_required("inventory.view_stockbalance", raise_exception=True)
def stock_card(request: HttpRequest, product_id: int) -> HttpResponse:
    """Where the product is, and every move of it (newest first) with the balance after
    it — at the chosen location, or over all of them."""
    product = get_object_or_404(Product.objects.select_related("category"), pk=product_id)
    balances = list(
        selectors.balances().filter(product=product).order_by("location__name", "location_id")
    )
    location_id = query_id(request, "location")
    location = Location.objects.filter(pk=location_id).first() if location_id is not None else None
    moves = selectors.stock_card(product.pk, location.pk if location else None).annotate(
        running=Window(Sum("quantity"), order_by=[F("created_at").asc(), F("pk").asc()])
    )
    page = page_of(request, moves.order_by("-created_at", "-pk"), MOVES_PER_PAGE)
    context = {
        "product": product,
        "balances": balances,
        "totals": _totals(selectors.balances().filter(product=product)),
        "locations": Location.objects.filter(
            Q(is_active=True) | Q(pk__in=[b.location_id for b in balances])
        ).order_by("name", "pk"),
        "location": location,
        "page": page,
        "query": f"location={location.pk}" if location else "",
        "show_cost": request.user.has_perm("inventory.view_stock_cost"),
        "kinds": dict(StockMove.Kind.choices),
    }
    return render(request, "inventory/stock/card.html", context)


@login_required
@require_GET
def product_lookup(request: HttpRequest) -> JsonResponse:
    """The active stock-tracked product whose barcode (or SKU, ignoring case) is
    `?code=`, for the scan boxes: 404 with a message a person can act on when none."""
    if not (
        request.user.has_perm("inventory.view_stockbalance")
        or request.user.has_perm("inventory.view_receipt")
    ):
        return JsonResponse({"error": _("You do not have permission to do this.")}, status=403)
    code = (request.GET.get("code") or "").replace("\x00", "").strip()
    if not code or len(code) > MAX_CODE:
        return JsonResponse({"error": _("Scan or type a barcode or SKU.")}, status=400)
    candidates = Product.objects.filter(is_active=True, tracks_stock=True)
    product = candidates.filter(barcode=code).first() or candidates.filter(sku__iexact=code).first()
    if product is None:
        return JsonResponse(
            {
                "error": _("No stock-tracked product has the barcode or SKU “%(code)s”.")
                % {"code": code}
            },
            status=404,
        )
    return JsonResponse(
        {
            "id": product.pk,
            "sku": product.sku,
            "name": product.name,
            "unit": product.unit,
            "barcode": product.barcode,
            "lot_tracked": product.lot_tracked,
        }
    )


urlpatterns = [
    path("stock/", stock_overview, name="stock"),
    path("stock/product/<int:product_id>/", stock_card, name="stock_card"),
    path("products/lookup/", product_lookup, name="product_lookup"),
]
