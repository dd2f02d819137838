"""Location and supplier pages: their lists and the forms to add and change them.

The writes are `location_create` / `location_update` / `supplier_create` /
`supplier_update` (`masterdata.services`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tradepost.inventory import forms
from tradepost.inventory.filters import LocationListFilter, SupplierListFilter
from tradepost.masterdata.models import Location, Supplier
from tradepost.masterdata.services import (
    location_create,
    location_update,
    supplier_create,
    supplier_update,
)
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

ROWS_PER_PAGE = 50


def _with_inactive(request: HttpRequest, rows):
    return rows if request.GET.get("inactive") else rows.filter(is_active=True)


@login_required
@permission_required("masterdata.view_location", raise_exception=True)
def location_list(request: HttpRequest) -> HttpResponse:
    rows = _with_inactive(request, Location.objects.select_related("branch")).order_by("name", "pk")
    context = list_page(request, rows, LocationListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/locations/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def location_form(request: HttpRequest, location_id: int | None = None) -> HttpResponse:
    location = get_object_or_404(Location, pk=location_id) if location_id else None
    permission = "masterdata.change_location" if location else "masterdata.add_location"
    if not request.user.has_perm(permission):
        raise PermissionDenied
    initial = (
        {name: getattr(location, name) for name in forms.LocationForm.base_fields}
        if location
        else {}
    )
    form = forms.LocationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: (
                location_update(actor=request.user, location=location, **fields)
                if location
                else location_create(actor=request.user, **fields)
            ),
        )
        if done:
            messages.success(request, _("Location %(name)s saved.") % {"name": done.result.name})
            return redirect("inventory:locations")
    status = 400 if form.errors else 200
    context = {"form": form, "location": location}
    return render(request, "inventory/locations/form.html", context, status=status)


@login_required
@permission_required("masterdata.view_supplier", raise_exception=True)
def supplier_list(request: HttpRequest) -> HttpResponse:
    rows = _with_inactive(request, Supplier.objects.all()).order_by("name", "pk")
    context = list_page(request, rows, SupplierListFilter, per_page=ROWS_PER_PAGE)
    return render(request, "inventory/suppliers/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def supplier_form(request: HttpRequest, supplier_id: int | None = None) -> HttpResponse:
    supplier = get_object_or_404(Supplier, pk=supplier_id) if supplier_id else None
    permission = "masterdata.change_supplier" if supplier else "masterdata.add_supplier"
    if not request.user.has_perm(permission):
        raise PermissionDenied
    initial = (
        {name: getattr(supplier, name) for name in forms.SupplierForm.base_fields}
        if supplier
        else {}
    )
    form = forms.SupplierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        done = service_call(
            form,
            lambda: (
                supplier_update(actor=request.user, supplier=supplier, **fields)
                if supplier
                else supplier_create(actor=request.user, **fields)
            ),
        )
        if done:
            messages.success(request, _("Supplier %(name)s saved.") % {"name": done.result.name})
            return redirect("inventory:suppliers")
    status = 400 if form.errors else 200
    context = {"form": form, "supplier": supplier}
    return render(request, "inventory/suppliers/form.html", context, status=status)


urlpatterns = [
    path("locations/", location_list, name="locations"),
    path("locations/new/", location_form, name="location_create"),
    path("locations/<int:location_id>/", location_form, name="location_edit"),
    path("suppliers/", supplier_list, name="suppliers"),
    path("suppliers/new/", supplier_form, name="supplier_create"),
    path("suppliers/<int:supplier_id>/", supplier_form, name="supplier_edit"),
]
