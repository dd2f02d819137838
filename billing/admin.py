"""Billing in the operator console: plans (editable), subscriptions (operators assign
plans, which is how offline mode works), Stripe events with their outcomes, and a
dashboard with MRR, trials, past-due workspaces and the plan mix."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from billing import conf, selectors, services
from billing.models import Plan, StripeEvent, Subscription


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "currency",
        "price_monthly",
        "price_yearly",
        "max_users",
        "max_orders_per_month",
        "api_calls_per_day",
        "storage_mb",
        "is_public",
        "sort",
    )
    list_editable = ("is_public", "sort")
    search_fields = ("code", "name")
    fieldsets = (
        (None, {"fields": ("code", "name", "description", "is_public", "sort")}),
        (_("Prices"), {"fields": ("currency", "price_monthly", "price_yearly")}),
        (_("Stripe"), {"fields": ("stripe_price_monthly", "stripe_price_yearly")}),
        (
            _("Limits (empty: no limit)"),
            {"fields": ("max_users", "max_orders_per_month", "api_calls_per_day", "storage_mb")},
        ),
    )

    def has_delete_permission(self, request, obj=None):
        # A plan with subscriptions is protected anyway; hiding it (not public) is the way.
        return False


# Written by Stripe's events only; operators see them but do not edit them.
MIRRORED_FROM_STRIPE = (
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_item_id",
    "stripe_updated",
    "last_payment_at",
    "last_payment_failed_at",
)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "tenant",
        "plan",
        "status",
        "interval",
        "trial_ends_at",
        "current_period_end",
        "past_due_since",
        "stripe_customer_id",
    )
    list_filter = ("status", "plan", "interval")
    search_fields = ("tenant__slug", "tenant__name", "tenant__owner_email", "stripe_customer_id")
    list_select_related = ("tenant", "plan")
    ordering = ("-created_at",)
    list_per_page = 50
    fields = (
        "tenant",
        "plan",
        "status",
        "interval",
        "trial_ends_at",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "past_due_since",
        "canceled_at",
        *MIRRORED_FROM_STRIPE,
    )
    readonly_fields = ("tenant", *MIRRORED_FROM_STRIPE)
    change_list_template = "billing/admin/subscription_changelist.html"

    def has_add_permission(self, request):
        return False  # sign-up creates them

    def has_delete_permission(self, request, obj=None):
        return False  # billing never deletes a workspace's data

    def save_model(self, request, obj, form, change):
        services.subscription_operator_save(
            actor=request.user, subscription=obj, changed=list(form.changed_data)
        )
        if obj.stripe_subscription_id and conf.online():
            messages.warning(
                request,
                _("This subscription is managed by Stripe: its next event overrides this change."),
            )

    def get_urls(self):
        return [
            path(
                "dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="billing_dashboard",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        context = {
            **self.admin_site.each_context(request),
            "title": _("Billing dashboard"),
            "figures": selectors.operator_figures(),
            "online": conf.online(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "billing/admin/dashboard.html", context)


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "created", "tenant", "outcome", "detail", "attempts")
    list_filter = ("outcome", "type")
    search_fields = ("event_id", "type", "tenant__slug")
    list_select_related = ("tenant",)
    readonly_fields = [field.name for field in StripeEvent._meta.fields]
    actions = ["apply_again"]
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Apply the selected events that are not processed"))
    def apply_again(self, request, queryset):
        applied = 0
        for event in queryset.filter(processed_at__isnull=True).order_by("created", "pk"):
            try:
                services.stripe_event_process(event=event)
                applied += 1
            except Exception as exc:  # noqa: BLE001 - shown to the operator, recorded on the event
                self.message_user(request, f"{event.event_id}: {exc}", messages.ERROR)
        self.message_user(request, _("%(count)d events applied.") % {"count": applied})
