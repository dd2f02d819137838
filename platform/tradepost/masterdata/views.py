"""Browser pages of master data: products, the trees and the company profile.
Thin: parse, authorise, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.masterdata import forms, selectors, services
from tradepost.masterdata.filters import ProductListFilter, StaffListFilter
from tradepost.masterdata.models import (
    BankAccount,
    Branch,
    DocumentSequence,
    ProductCategory,
    SalesRegion,
    TaxRate,
)
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page

PRODUCTS_PER_PAGE = 50


@login_required
@permission_required("masterdata.view_product", raise_exception=True)
def product_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request,
        selectors.product_list(request.user),
        ProductListFilter,
        per_page=PRODUCTS_PER_PAGE,
        saved_filters="products",
    )
    context.update(
        can_add=request.user.has_perm("masterdata.add_product"),
        can_change=request.user.has_perm("masterdata.change_product"),
    )
    return render(request, "masterdata/product_list.html", context)


def _product_fields(form: forms.ProductForm) -> dict:
    fields = dict(form.cleaned_data)
    image = fields.pop("image")
    if isinstance(image, UploadedFile):
        fields["image"] = image
    elif image is False:  # "clear" ticked
        fields["image"] = None
    return fields


@login_required
@permission_required("masterdata.add_product", raise_exception=True)
@require_http_methods(["GET", "POST"])
def product_create(request: HttpRequest) -> HttpResponse:
    profile = selectors.company_profile()
    default_tax = TaxRate.objects.filter(is_default=True, is_active=True).first()
    form = forms.ProductForm(
        request.POST or None,
        request.FILES or None,
        initial={"currency": profile.base_currency, "tax_rate": default_tax},
    )
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form, lambda: services.product_create(actor=request.user, **_product_fields(form))
        )
        if done:
            product = done.result
            messages.success(request, _("Product %(sku)s added.") % {"sku": product.sku})
            return redirect("masterdata:product_list")
    status = 400 if form.errors else 200
    return render(request, "masterdata/product_form.html", {"form": form}, status=status)


@login_required
@permission_required("masterdata.change_product", raise_exception=True)
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(selectors.products_visible(request.user), pk=product_id)
    initial = {
        name: getattr(product, name)
        for name in ("sku", "name", "category", "unit", "barcode", "list_price", "currency")
    } | {
        "tax_rate": product.tax_rate,
        "image": product.image,
        "description": product.description,
        "is_active": product.is_active,
        "tracks_stock": product.tracks_stock,
        "lot_tracked": product.lot_tracked,
    }
    form = forms.ProductForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form,
            lambda: services.product_update(
                actor=request.user, product=product, **_product_fields(form)
            ),
        )
        if done:
            messages.success(request, _("Product %(sku)s saved.") % {"sku": product.sku})
            return redirect("masterdata:product_list")
    status = 400 if form.errors else 200
    context = {"form": form, "product": product}
    return render(request, "masterdata/product_form.html", context, status=status)


# --- Trees ---------------------------------------------------------------------------

TREES = {
    "branches": (Branch, forms.BranchForm, gettext_lazy("Branches")),
    "regions": (SalesRegion, forms.SalesRegionForm, gettext_lazy("Sales regions")),
    "categories": (ProductCategory, forms.ProductCategoryForm, gettext_lazy("Product categories")),
}


def _tree(kind: str):
    if kind not in TREES:
        raise Http404
    return TREES[kind]


def _node_fields(form) -> tuple[dict, object]:
    fields = dict(form.cleaned_data)
    parent = fields.pop("parent")
    return fields, parent


@login_required
@require_http_methods(["GET", "POST"])
def tree_list(request: HttpRequest, kind: str) -> HttpResponse:
    model, form_class, title = _tree(kind)
    name = model._meta.model_name
    if not request.user.has_perm(f"masterdata.view_{name}"):
        return render(request, "403.html", status=403)
    can_add = request.user.has_perm(f"masterdata.add_{name}")
    form = form_class(request.POST or None)
    if request.method == "POST":
        if not can_add:
            return render(request, "403.html", status=403)
        if form.is_valid():
            fields, parent = _node_fields(form)
            done = service_call(
                form,
                lambda: services.tree_node_create(
                    actor=request.user,
                    model=model,
                    parent=parent,  # type: ignore[arg-type]
                    **fields,
                ),
            )
            if done:
                node = done.result
                messages.success(request, _("%(name)s added.") % {"name": node.name})
                return redirect("masterdata:tree", kind=kind)
    context = {
        "kind": kind,
        "title": title,
        "nodes": selectors.tree(model),
        "form": form,
        "can_add": can_add,
        "can_change": request.user.has_perm(f"masterdata.change_{name}"),
    }
    return render(request, "masterdata/tree.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def tree_node_edit(request: HttpRequest, kind: str, node_id: int) -> HttpResponse:
    model, form_class, title = _tree(kind)
    if not request.user.has_perm(f"masterdata.change_{model._meta.model_name}"):
        return render(request, "403.html", status=403)
    node = get_object_or_404(model, pk=node_id)
    parent = model.objects.get_parent(node)
    initial = {name: getattr(node, name) for name in form_class.base_fields if name != "parent"}
    form = form_class(request.POST or None, initial={**initial, "parent": parent})
    if request.method == "POST" and form.is_valid():
        fields, new_parent = _node_fields(form)
        done = service_call(
            form,
            lambda: services.tree_node_update(
                actor=request.user, node=node, parent=new_parent, **fields
            ),
        )
        if done:
            messages.success(request, _("%(name)s saved.") % {"name": fields["name"]})
            return redirect("masterdata:tree", kind=kind)
    context = {"kind": kind, "title": title, "node": node, "form": form}
    return render(
        request, "masterdata/tree_node_form.html", context, status=400 if form.errors else 200
    )


# --- Company profile -----------------------------------------------------------------

COMPANY_FORMS = {
    "profile": forms.CompanyProfileForm,
    "bank": forms.BankAccountForm,
    "tax": forms.TaxRateForm,
    "numbering": forms.NumberingForm,
}


def _company_save(request: HttpRequest, which: str, form) -> None:
    data = form.cleaned_data
    if which == "profile":
        services.company_profile_update(actor=request.user, **data)
    elif which == "bank":
        services.bank_account_create(actor=request.user, **data)
    elif which == "tax":
        services.tax_rate_create(actor=request.user, **data)
    else:
        services.document_format_set(actor=request.user, key=data["key"], pattern=data["pattern"])


@login_required
@permission_required("masterdata.view_companyprofile", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company(request: HttpRequest) -> HttpResponse:
    profile = selectors.company_profile()
    can_change = request.user.has_perm("masterdata.change_companyprofile")
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None and (which not in COMPANY_FORMS or not can_change):
        return render(request, "403.html", status=403)
    bound = {}
    if which is not None:
        bound[which] = COMPANY_FORMS[which](request.POST)
        form = bound[which]
        if form.is_valid():
            done = service_call(form, lambda: _company_save(request, which, form))
            if done:
                messages.success(request, _("Saved."))
                return redirect("masterdata:company")
    profile_initial = {name: getattr(profile, name) for name in services.COMPANY_FIELDS}
    year = timezone.localdate().year
    formats = dict(DocumentSequence.objects.filter(year=year).values_list("key", "format"))
    numbering = [
        {
            "key": key,
            "label": forms.DOCUMENT_LABELS.get(key, key),
            "format": formats.get(key, default),
            "example": formats.get(key, default).format(year=year, number=1),
        }
        for key, default in services.DEFAULT_FORMATS.items()
    ]
    context = {
        "profile": profile,
        "can_change": can_change,
        "profile_form": bound.get("profile") or forms.CompanyProfileForm(initial=profile_initial),
        "bank_form": bound.get("bank")
        or forms.BankAccountForm(initial={"currency": profile.base_currency}),
        "tax_form": bound.get("tax") or forms.TaxRateForm(),
        "numbering_form": bound.get("numbering") or forms.NumberingForm(),
        "bank_accounts": list(profile.bank_accounts.all()) if profile.pk else [],
        "tax_rates": list(TaxRate.objects.order_by("rate", "name")),
        "numbering": numbering,
        "year": year,
    }
    status = 400 if any(form.errors for form in bound.values()) else 200
    return render(request, "masterdata/company.html", context, status=status)


@login_required
@permission_required("masterdata.delete_bankaccount", raise_exception=True)
@require_POST
def bank_account_delete(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(BankAccount, pk=account_id)
    services.bank_account_delete(actor=request.user, account=account)
    messages.success(request, _("Bank account removed."))
    return redirect("masterdata:company")


@login_required
@permission_required("masterdata.change_taxrate", raise_exception=True)
@require_POST
def tax_rate_default(request: HttpRequest, tax_rate_id: int) -> HttpResponse:
    tax_rate = get_object_or_404(TaxRate, pk=tax_rate_id)
    services.tax_rate_update(actor=request.user, tax_rate=tax_rate, is_default=True)
    messages.success(request, _("%(name)s is now the default tax rate.") % {"name": tax_rate.name})
    return redirect("masterdata:company")


# --- Staff and the org chart -----------------------------------------------------------

STAFF_PER_PAGE = 50


@login_required
@permission_required("masterdata.change_staffprofile", raise_exception=True)
def staff_list(request: HttpRequest) -> HttpResponse:
    context = list_page(
        request, selectors.staff_visible(request.user), StaffListFilter, per_page=STAFF_PER_PAGE
    )
    return render(request, "masterdata/organisation/staff_list.html", context)


@login_required
@permission_required("masterdata.change_staffprofile", raise_exception=True)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(selectors.staff_visible(request.user), pk=user_id)
    profile = getattr(person, "staff_profile", None)
    initial = (
        {name: getattr(profile, name) for name in services.STAFF_PROFILE_FIELDS}
        if profile is not None
        else {}
    )
    form = forms.StaffProfileForm(
        request.POST or None, initial=initial, person=person, profile=profile
    )
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form,
            lambda: services.staff_profile_update(
                actor=request.user, user=person, **form.cleaned_data
            ),
        )
        if done:
            messages.success(request, _("%(name)s saved.") % {"name": person.get_full_name()})
            return redirect("masterdata:staff")
    context = {"person": person, "profile": profile, "form": form}
    return render(
        request,
        "masterdata/organisation/staff_form.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
@permission_required("masterdata.view_staffprofile", raise_exception=True)
def org_chart(request: HttpRequest) -> HttpResponse:
    top, unassigned = selectors.org_chart(request.user)
    context = {"top": top, "unassigned": unassigned}
    return render(request, "masterdata/organisation/chart.html", context)
