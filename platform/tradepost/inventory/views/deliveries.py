"""Delivery pages: the list (a dealer sees its own orders' deliveries), making one
from an order (what is still open per line, with the stock available at the order's
warehouse), its page (carrier and tracking number, the steps "Ship", "Delivered" and
"Cancel", lines with their lots) and the delivery note PDF."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.audit.selectors import audit_history
from tradepost.inventory import deliveries as services
from tradepost.inventory import forms, selectors
from tradepost.inventory.filters import DeliveryListFilter
from tradepost.inventory.models import Delivery, StockBalance
from tradepost.inventory.pdf import delivery_note_pdf
from tradepost.pricing.lines import decimal_text
from tradepost.principals import Actor
from tradepost.sales.models import Order
from tradepost.sales.selectors import order_get
from tradepost.workspace.forms import add_service_errors, service_call
from tradepost.workspace.lists import list_page
from tradepost.workspace.steps import Step, step_view

ROWS_PER_PAGE = 50


def delivery_get(actor: Actor, delivery_id: int) -> Delivery:
    """The delivery, if the actor sees its order; otherwise 404."""
    return get_object_or_404(
        selectors.deliveries_visible_to(actor).select_related(
            "order", "order__customer", "location", "created_by"
        ),
        pk=delivery_id,
    )


@login_required
@permission_required("inventory.view_delivery", raise_exception=True)
def delivery_list(request: HttpRequest) -> HttpResponse:
    rows = (
        selectors.deliveries_visible_to(request.user)
        .select_related("order", "order__customer", "location")
        .order_by("-created_at", "-pk")
    )
    context = list_page(request, rows, DeliveryListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/deliveries/list.html", context)


def _order_lines(order: Order) -> list[Any]:
    """The order's lines with what is still open to deliver and what is available at
    the order's warehouse (stock-tracked products)."""
    lines: list[Any] = list(order.lines.select_related("product").order_by("position", "pk"))
    open_left = services.open_quantities(order, lines)
    available = {}
    if order.warehouse_id is not None:
        available = {
            row.product_id: row.available
            for row in StockBalance.objects.filter(
                location_id=order.warehouse_id, product_id__in=[line.product_id for line in lines]
            )
        }
    lot_choices: dict[int, list[Any]] = {}
    if order.warehouse_id is not None:
        lot_choices = selectors.lots_to_choose(
            [line.product_id for line in lines if line.product.lot_tracked],
            order.warehouse_id,
            on=timezone.localdate(),
        )
    for line in lines:
        line.lot_field = f"lot-{line.pk}"
        line.lot_choices = (
            lot_choices.get(line.product_id, []) if line.product.lot_tracked else None
        )
        line.open_quantity = max(open_left[line.pk], Decimal(0))
        line.available = (
            available.get(line.product_id, Decimal(0)) if line.product.tracks_stock else None
        )
        line.label = _("Line %(position)s (%(sku)s)") % {
            "position": line.position,
            "sku": line.product.sku,
        }
    return lines


@login_required
@permission_required("sales.ship_order", raise_exception=True)
@require_http_methods(["GET", "POST"])
def delivery_create(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_get(request.user, order_id)
    order = Order.objects.select_related("customer", "warehouse").get(pk=order.pk)
    lines = _order_lines(order)
    data = request.POST if request.method == "POST" else None
    form = forms.DeliveryCreateForm(data)
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        try:
            typed = forms.line_quantities(
                data, [(line.pk, line.label) for line in lines], prefix="line"
            )
            chosen = forms.chosen_lots(data, [line.pk for line in lines])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            quantities = {pk: value or Decimal(0) for pk, value in typed.items()}
            lots = {pk: lot for pk, lot in chosen.items() if lot is not None}
            delivery = service_call(
                form,
                lambda: services.delivery_create(
                    actor=request.user,
                    order=order,
                    quantities=quantities,
                    lots=lots,
                    carrier=fields.get("carrier", ""),
                    tracking_number=fields.get("tracking_number", ""),
                    notes=fields.get("notes", ""),
                ),
            ).result
            if delivery is not None:
                messages.success(
                    request,
                    _("Delivery %(number)s is ready to pick. Ship it when the goods leave.")
                    % {"number": delivery.number},
                )
                return redirect("inventory:delivery", delivery_id=delivery.pk)
    for line in lines:
        line.entered = (
            data.get(f"line-{line.pk}", "")
            if data is not None
            else (decimal_text(line.open_quantity) if line.open_quantity else "")
        )
        line.lot_entered = data.get(f"lot-{line.pk}", "") if data is not None else ""
    status = 400 if data is not None else 200
    context = {
        "order": order,
        "lines": lines,
        "form": form,
        "can_ship": order.status in services.SHIPPABLE_ORDERS,
    }
    return render(request, "inventory/deliveries/form.html", context, status=status)


def _lot_groups(delivery: Delivery, lines: list[Any], posted=None) -> list[dict[str, Any]]:
    """The lot-tracked order lines of a delivery being picked, each with its quantity,
    the lots it may be picked from and the one shown chosen (the line's single lot, what
    was just posted, or "first to expire")."""
    groups: dict[int, dict[str, Any]] = {}
    for line in lines:
        if not line.product.lot_tracked:
            continue
        group = groups.setdefault(
            line.order_line_id,
            {
                "order_line_id": line.order_line_id,
                "field": f"lot-{line.order_line_id}",
                "product": line.product,
                "quantity": Decimal(0),
                "lots": set(),
            },
        )
        group["quantity"] += line.quantity
        group["lots"].add(line.lot_id)
    if not groups:
        return []
    choices = selectors.lots_to_choose(
        list({group["product"].pk for group in groups.values()}),
        delivery.location_id,
        on=timezone.localdate(),
    )
    for group in groups.values():
        group["choices"] = choices[group["product"].pk]
        current = group.pop("lots")
        if posted is not None:
            group["selected"] = posted.get(group["field"], "")
        else:
            group["selected"] = str(next(iter(current))) if len(current) == 1 else ""
    return list(groups.values())


def _detail_context(request: HttpRequest, delivery: Delivery, **extra) -> dict:
    can = services.LIFECYCLE.buttons(request.user, delivery)
    lines = list(delivery.lines.select_related("product", "lot", "order_line").order_by("pk"))
    posted = extra.pop("posted_lots", None)
    return {
        "delivery": delivery,
        "lines": lines,
        "lot_groups": _lot_groups(delivery, lines, posted) if can["pick"] else [],
        "can": can,
        "history": audit_history(delivery),
        "edit_form": extra.pop("edit_form", None)
        or forms.DeliveryEditForm(
            initial={
                "carrier": delivery.carrier,
                "tracking_number": delivery.tracking_number,
                "notes": delivery.notes,
            }
        ),
        "can_see_order": request.user.has_perm("sales.view_order"),
        "can_invoice": delivery.status in (Delivery.Status.SHIPPED, Delivery.Status.DELIVERED)
        and request.user.has_perm("settlement.add_invoice"),
        **extra,
    }


@login_required
@permission_required("inventory.view_delivery", raise_exception=True)
def delivery_detail(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = delivery_get(request.user, delivery_id)
    return render(request, "inventory/deliveries/detail.html", _detail_context(request, delivery))


@login_required
@permission_required("inventory.view_delivery", raise_exception=True)
@require_POST
def delivery_edit(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Carrier, tracking number and notes (the service checks `sales.ship_order` and
    that the delivery has not arrived)."""
    delivery = delivery_get(request.user, delivery_id)
    form = forms.DeliveryEditForm(request.POST)
    if form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: services.delivery_update(
                actor=request.user,
                delivery=delivery,
                carrier=fields.get("carrier", ""),
                tracking_number=fields.get("tracking_number", ""),
                notes=fields.get("notes", ""),
            ),
        )
        if done:
            messages.success(request, _("Changes saved."))
            return redirect("inventory:delivery", delivery_id=delivery.pk)
    context = _detail_context(request, delivery_get(request.user, delivery_id), edit_form=form)
    return render(request, "inventory/deliveries/detail.html", context, status=400)


@login_required
@permission_required("inventory.view_delivery", raise_exception=True)
@require_POST
def delivery_pick(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """The lot of each lot-tracked line while picking (`lot-<order line id>`: a lot id,
    or empty for first-expiring first); the service checks `sales.ship_order`."""
    delivery = delivery_get(request.user, delivery_id)
    order_line_ids = delivery.lines.values_list("order_line_id", flat=True).distinct()
    try:
        lots = forms.chosen_lots(request.POST, list(order_line_ids))
        services.delivery_pick(actor=request.user, delivery=delivery, lots=lots)
    except ValidationError as exc:
        context = _detail_context(
            request,
            delivery_get(request.user, delivery_id),
            step_errors=exc.messages,
            posted_lots=request.POST,
        )
        return render(request, "inventory/deliveries/detail.html", context, status=400)
    messages.success(request, _("Lots chosen."))
    return redirect("inventory:delivery", delivery_id=delivery.pk)


@login_required
@permission_required("inventory.view_delivery", raise_exception=True)
def delivery_pdf_download(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """The delivery note as an A4 PDF, shown in the browser (saved as `<number>.pdf`)."""
    delivery = delivery_get(request.user, delivery_id)
    response = HttpResponse(delivery_note_pdf(delivery), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(  # type: ignore[assignment]
        as_attachment=False, filename=f"{delivery.number}.pdf"
    )
    return response


def _step_failed(
    request: HttpRequest, delivery: Delivery, step: str, exc: ValidationError
) -> HttpResponse:
    context = _detail_context(request, delivery, step_errors=exc.messages)
    return render(request, "inventory/deliveries/detail.html", context, status=400)


delivery_step = step_view(
    permission="inventory.view_delivery",
    get=delivery_get,
    steps={
        "ship": Step(
            lambda request, delivery: services.delivery_ship(actor=request.user, delivery=delivery),
            done=gettext_lazy("Delivery shipped: the stock is issued."),
        ),
        "deliver": Step(
            lambda request, delivery: services.delivery_deliver(
                actor=request.user, delivery=delivery
            ),
            done=gettext_lazy("Delivery signed for."),
        ),
        "cancel": Step(
            lambda request, delivery: services.delivery_cancel(
                actor=request.user, delivery=delivery
            ),
            done=gettext_lazy("Delivery cancelled; the order keeps its reservation."),
        ),
    },
    page=lambda delivery: reverse("inventory:delivery", args=[delivery.pk]),
    failed=_step_failed,
)

urlpatterns = [
    path("deliveries/", delivery_list, name="deliveries"),
    path("deliveries/new/<int:order_id>/", delivery_create, name="delivery_create"),
    path("deliveries/<int:delivery_id>/", delivery_detail, name="delivery"),
    path("deliveries/<int:delivery_id>/edit/", delivery_edit, name="delivery_edit"),
    path("deliveries/<int:delivery_id>/lots/", delivery_pick, name="delivery_pick"),
    path("deliveries/<int:delivery_id>/pdf/", delivery_pdf_download, name="delivery_pdf"),
    path("deliveries/<int:delivery_id>/<slug:step>/", delivery_step, name="delivery_step"),
]
