from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tradepost.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        # The orders-per-month plan limit counts this module's orders; the customer
        # 360° page shows the customer's orders and quotes; a promotion's page, the
        # order lines that got it.
        from billing.access import register_usage_counter
        from tradepost.pricing.promotions import register_order_lines_reader
        from tradepost.sales import panels, selectors

        register_usage_counter("orders_per_month", selectors.orders_this_month_count)
        panels.register()
        # The home page's "My day" and "Orders to review" panels.
        from tradepost.sales import home_panels

        home_panels.register()
        register_order_lines_reader(selectors.promotion_order_lines)
        # Order and quote pages carry an activity feed (events and notes).
        from django.urls import reverse

        from tradepost.customers.selectors import staff_only
        from tradepost.sales.models import Order, Quote
        from tradepost.workspace.feed_targets import FeedTarget, register_target

        register_target(
            FeedTarget(
                name="order",
                model=Order,
                visible=staff_only(selectors.orders_visible_to),
                permission="sales.view_order",
                page_url=lambda record: reverse("sales:order", args=[record.pk]),
            )
        )
        register_target(
            FeedTarget(
                name="quote",
                model=Quote,
                visible=staff_only(selectors.quotes_visible_to),
                permission="sales.view_quote",
                page_url=lambda record: reverse("sales:quote", args=[record.pk]),
            )
        )

        # The order and quote lists keep saved filters.
        from tradepost.sales.filters import OrderListFilter, QuoteListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "orders",
            url_name="sales:orders",
            filterset=OrderListFilter,
            permission="sales.view_order",
        )
        register_list(
            "quotes",
            url_name="sales:quotes",
            filterset=QuoteListFilter,
            permission="sales.view_quote",
        )
