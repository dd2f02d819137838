from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "tradepost.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from tradepost import request_memo

        # Registers the `customers` and `contacts` resources for import and export.
        from tradepost.customers import importing  # noqa: F401
        from tradepost.customers.filters import (
            ActivityListFilter,
            CustomerListFilter,
            TicketListFilter,
        )
        from tradepost.workspace.saved_filters import register_list

        # The customer, activity and ticket lists keep saved filters.
        register_list(
            "customers",
            url_name="customers:list",
            filterset=CustomerListFilter,
            permission="customers.view_customer",
        )
        register_list(
            "activities",
            url_name="customers:activities",
            filterset=ActivityListFilter,
            permission="customers.view_activity",
        )
        register_list(
            "tickets",
            url_name="customers:tickets",
            filterset=TicketListFilter,
            permission="customers.view_ticket",
        )
        # The 360° page carries the customer's activity feed (events and notes).
        from django.urls import reverse

        from tradepost.customers.models import Customer
        from tradepost.customers.selectors import customers_visible_to, staff_only
        from tradepost.workspace.feed_targets import FeedTarget, register_target

        register_target(
            FeedTarget(
                name="customer",
                model=Customer,
                visible=staff_only(customers_visible_to),
                permission="customers.view_customer",
                page_url=lambda record: reverse("customers:detail", args=[record.pk]),
            )
        )

        from tradepost.masterdata.models import StaffProfile

        # A sales manager's scope follows their staff profile (selectors.customer_scope,
        # kept for the request): a profile changed during the request is seen at once.
        for signal in (post_save, post_delete):
            signal.connect(
                request_memo.forget, sender=StaffProfile, dispatch_uid=f"memo-profile-{signal}"
            )
