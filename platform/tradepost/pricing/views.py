"""Promotion pages: the list (running now / upcoming / ended), a promotion's page with
its rule in words and the order lines that got it, the form (one field set per kind,
tiers as rows), and "check a price": which promotion a line would get.

The form works without JavaScript: every kind's fields are shown, each saying which
kind it belongs to, and the service ignores the fields of the other kinds.
`pricing/promotions.js` hides the fields that do not belong to the chosen kind and adds
tier rows on click.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tradepost.audit.selectors import audit_history
from tradepost.customers.forms import CustomerChoice, DateInput
from tradepost.customers.models import Channel, CustomerGroup
from tradepost.customers.selectors import customer_groups_visible_to, customers_visible_to
from tradepost.masterdata.forms import ProductChoice
from tradepost.masterdata.models import Currency, Product, ProductCategory
from tradepost.pricing import promotions as services
from tradepost.pricing.filters import PERIOD_LABELS, PromotionListFilter
from tradepost.pricing.models import Promotion
from tradepost.principals import Actor
from tradepost.workspace.forms import (
    MoneyField,
    PercentField,
    QuantityField,
    TypeaheadSelect,
    add_service_errors,
    service_call,
)
from tradepost.workspace.lists import list_page

ROWS_PER_PAGE = 50
EXTRA_TIER_ROWS = 2
K = Promotion.Kind


# --- Forms ---------------------------------------------------------------------------
class CategoryChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{'— ' * (obj.depth - 1)}{obj.name}"


class PromotionForm(forms.Form):
    """A promotion's fields; which ones a kind uses is `KIND_OF_FIELD`."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.MAX_NAME)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=K.choices)
    percent = PercentField(
        label=gettext_lazy("Percent off"),
        required=False,
        help_text=gettext_lazy("Percent off only: more than 0, at most 100."),
        min_value=None,
        max_value=None,
    )
    amount = MoneyField(
        label=gettext_lazy("Amount off each unit"),
        required=False,
        help_text=gettext_lazy("Amount off only: taken off every unit, never below zero."),
    )
    buy_quantity = forms.IntegerField(
        label=gettext_lazy("Buy (X)"),
        required=False,
        min_value=1,
        max_value=services.MAX_UNITS,
        help_text=gettext_lazy("Buy X get Y free only: of every X + Y units, Y are free."),
    )
    free_quantity = forms.IntegerField(
        label=gettext_lazy("Get free (Y)"),
        required=False,
        min_value=1,
        max_value=services.MAX_UNITS,
        help_text=gettext_lazy("Buy X get Y free only: whole units."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        required=False,
        choices=[("", "—"), *Currency.choices],
        help_text=gettext_lazy(
            "Amount off and tiered price only: the promotion applies to orders in this currency."
        ),
    )
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateInput())
    ends_on = forms.DateField(
        label=gettext_lazy("Ends on"),
        widget=DateInput(),
        help_text=gettext_lazy("Both days included."),
    )
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products"),
        queryset=Product.objects.order_by("sku"),
        required=False,
        widget=forms.SelectMultiple({"size": 6}),
        help_text=gettext_lazy("Leave products and categories empty for every product."),
    )
    categories = CategoryChoice(
        label=gettext_lazy("Categories"),
        queryset=ProductCategory.objects.order_by("path"),
        required=False,
        widget=forms.SelectMultiple({"size": 6}),
        help_text=gettext_lazy("Every product in the category and the categories below it."),
    )
    customer_groups = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Customer groups"),
        queryset=CustomerGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every group, and customers without one."),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every channel."),
    )
    priority = forms.IntegerField(
        label=gettext_lazy("Priority"),
        min_value=0,
        max_value=services.MAX_PRIORITY,
        initial=0,
        help_text=gettext_lazy("Decides between promotions that give the same discount."),
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    KIND_OF_FIELD = {
        "percent": (K.PERCENT_OFF,),
        "amount": (K.AMOUNT_OFF,),
        "buy_quantity": (K.BUY_X_GET_Y,),
        "free_quantity": (K.BUY_X_GET_Y,),
        "currency": (K.AMOUNT_OFF, K.TIERED_PRICE),
    }

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        # a ModelChoiceField
        self.fields["customer_groups"].queryset = customer_groups_visible_to(actor).order_by(  # type: ignore[attr-defined]
            "name", "pk"
        )

    def rows(self):
        """(bound field, the kinds it belongs to as "a b", or "" for every kind)."""
        for field in self:
            yield field, " ".join(self.KIND_OF_FIELD.get(field.name, ()))


class TierForm(forms.Form):
    min_quantity = QuantityField(label=gettext_lazy("From quantity"), required=False)
    unit_price = MoneyField(label=gettext_lazy("Unit price"), required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if (data.get("min_quantity") is None) != (data.get("unit_price") is None):
            raise ValidationError(_("Give both a quantity and a unit price, or neither."))
        return data


class BaseTierFormSet(forms.BaseFormSet):
    def tiers(self) -> list[services.Tier]:
        return [
            {
                "min_quantity": form.cleaned_data["min_quantity"],
                "unit_price": form.cleaned_data["unit_price"],
            }
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and form.cleaned_data.get("min_quantity") is not None
        ]


TierFormSet = forms.formset_factory(
    TierForm,
    formset=BaseTierFormSet,
    extra=EXTRA_TIER_ROWS,
    max_num=services.MAX_TIERS,
    validate_max=True,
)


class CheckForm(forms.Form):
    """Which promotion would a line get?"""

    customer = CustomerChoice(
        label=gettext_lazy("Customer"), queryset=None, widget=TypeaheadSelect("customer")
    )
    product = ProductChoice(
        label=gettext_lazy("Product"),
        queryset=Product.objects.filter(is_active=True).order_by("sku"),
        widget=TypeaheadSelect("product"),
    )
    quantity = QuantityField(label=gettext_lazy("Quantity"))
    date = forms.DateField(
        label=gettext_lazy("Order date"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Empty: today."),
    )
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's currency")), *Currency.choices],
        required=False,
    )

    def __init__(self, *args, actor: Actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
            customers_visible_to(actor).filter(is_active=True).order_by("name")
        )


def _service_fields(form: PromotionForm, formset: forms.BaseFormSet) -> services.PromotionFields:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "kind": data["kind"],
        "percent": data.get("percent"),
        "amount": data.get("amount"),
        "buy_quantity": data.get("buy_quantity"),
        "free_quantity": data.get("free_quantity"),
        "tiers": cast(BaseTierFormSet, formset).tiers(),
        "currency": data.get("currency") or "",
        "starts_on": data["starts_on"],
        "ends_on": data["ends_on"],
        "products": list(data.get("products") or []),
        "categories": list(data.get("categories") or []),
        "customer_groups": list(data.get("customer_groups") or []),
        "channels": list(data.get("channels") or []),
        "priority": data["priority"],
        "is_active": bool(data.get("is_active")),
    }


def _form_page(request, form, formset, promotion, status=200) -> HttpResponse:
    context = {"form": form, "formset": formset, "promotion": promotion}
    return render(request, "pricing/promotions/form.html", context, status=status)


# --- Pages ---------------------------------------------------------------------------
@login_required
@permission_required("pricing.view_promotion", raise_exception=True)
def promotion_list(request: HttpRequest) -> HttpResponse:
    rows = services.promotion_queryset(request.user)
    context = list_page(
        request, rows, PromotionListFilter, per_page=ROWS_PER_PAGE, saved_filters="promotions"
    )
    filters = context["filters"]
    period = filters.period_value
    today = timezone.localdate()
    values = filters.form.cleaned_data
    keep = {name: values[name] for name in ("kind", "q") if values.get(name)}
    context.update(
        items=[
            (
                promotion,
                services.promotion_summary(promotion),
                services.promotion_period(promotion, today),
            )
            for promotion in context["page"]
        ],
        period=period,
        periods=[
            (code, label, urlencode({"period": code, **keep}))
            for code, label in PERIOD_LABELS.items()
        ],
        # The period is a tab, not a filter: "filtered" means a search or a type.
        filtered=bool(keep),
    )
    return render(request, "pricing/promotions/list.html", context)


@login_required
@permission_required("pricing.add_promotion", raise_exception=True)
@require_http_methods(["GET", "POST"])
def promotion_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    today = timezone.localdate()
    form = PromotionForm(
        data,
        actor=request.user,
        initial={"starts_on": today, "ends_on": today, "priority": 0, "is_active": True},
    )
    formset = TierFormSet(data, prefix="tiers")
    if data is not None and form.is_valid() & formset.is_valid():
        created = service_call(
            form,
            lambda: services.promotion_create(actor=request.user, **_service_fields(form, formset)),
            formset=formset,
            formset_errors="tiers",
        ).result
        if created is not None:
            messages.success(request, _("Promotion “%(name)s” saved.") % {"name": created.name})
            return redirect("sales:promotion", promotion_id=created.pk)
    return _form_page(request, form, formset, None, 400 if data is not None else 200)


@login_required
@permission_required("pricing.change_promotion", raise_exception=True)
@require_http_methods(["GET", "POST"])
def promotion_edit(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = services.promotion_get(promotion_id)
    data = request.POST if request.method == "POST" else None
    initial = {
        field: getattr(promotion, field)
        for field in services.FIELDS
        if field not in services.LINKS and field != "tiers"
    }
    initial.update({field: list(getattr(promotion, field).all()) for field in services.LINKS})
    form = PromotionForm(data, actor=request.user, initial=initial)
    formset = TierFormSet(data, prefix="tiers", initial=promotion.tiers or None)
    if data is not None and form.is_valid() & formset.is_valid():
        updated = service_call(
            form,
            lambda: services.promotion_update(
                actor=request.user,
                promotion=promotion,
                **_service_fields(form, formset),
            ),
            formset=formset,
            formset_errors="tiers",
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:promotion", promotion_id=promotion.pk)
    return _form_page(request, form, formset, promotion, 400 if data is not None else 200)


@login_required
@permission_required("pricing.view_promotion", raise_exception=True)
def promotion_detail(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = services.promotion_get(promotion_id, request.user)
    user = request.user
    lines = (
        list(services.promotion_order_lines(user, promotion))
        if user.has_perm("sales.view_order")
        else None
    )
    context = {
        "promotion": promotion,
        "summary": services.promotion_summary(promotion),
        "rule": services.promotion_rule_text(promotion),
        "period": services.promotion_period(promotion),
        "period_labels": PERIOD_LABELS,
        "channel_labels": [str(dict(Channel.choices).get(c, c)) for c in promotion.channels],
        "lines": lines,
        "history": audit_history(promotion) if user.has_perm("pricing.change_promotion") else [],
        "can_change": user.has_perm("pricing.change_promotion"),
    }
    return render(request, "pricing/promotions/detail.html", context)


@login_required
@permission_required("pricing.change_promotion", raise_exception=True)
@require_POST
def promotion_deactivate(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = services.promotion_get(promotion_id)
    services.promotion_deactivate(actor=request.user, promotion=promotion)
    messages.success(request, _("The promotion is off: new orders no longer get it."))
    return redirect("sales:promotion", promotion_id=promotion.pk)


@login_required
@permission_required("pricing.change_promotion", raise_exception=True)
@require_POST
def promotion_activate(request: HttpRequest, promotion_id: int) -> HttpResponse:
    promotion = services.promotion_get(promotion_id)
    try:
        services.promotion_update(actor=request.user, promotion=promotion, is_active=True)
    except ValidationError as exc:
        messages.error(
            request,
            _("Correct the promotion before switching it on: %(errors)s")
            % {"errors": " ".join(exc.messages)},
        )
        return redirect("sales:promotion_edit", promotion_id=promotion.pk)
    messages.success(request, _("The promotion is on again."))
    return redirect("sales:promotion", promotion_id=promotion.pk)


@login_required
@permission_required("pricing.view_promotion", raise_exception=True)
def promotion_check(request: HttpRequest) -> HttpResponse:
    """Which promotion a line would get — the same answer an order saved now would."""
    asked = bool(request.GET)
    form = CheckForm(request.GET if asked else None, actor=request.user)
    preview = None
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            preview = services.promotion_preview(
                actor=request.user,
                customer=data["customer"],
                product=data["product"],
                quantity=data["quantity"],
                on_date=data.get("date"),
                currency=data.get("currency") or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
    status = 400 if form.errors else 200
    return render(
        request, "pricing/promotions/check.html", {"form": form, "preview": preview}, status=status
    )


urlpatterns = [
    path("promotions/", promotion_list, name="promotions"),
    path("promotions/new/", promotion_create, name="promotion_create"),
    path("promotions/check/", promotion_check, name="promotion_check"),
    path("promotions/<int:promotion_id>/", promotion_detail, name="promotion"),
    path("promotions/<int:promotion_id>/edit/", promotion_edit, name="promotion_edit"),
    path(
        "promotions/<int:promotion_id>/deactivate/",
        promotion_deactivate,
        name="promotion_deactivate",
    ),
    path("promotions/<int:promotion_id>/activate/", promotion_activate, name="promotion_activate"),
]
