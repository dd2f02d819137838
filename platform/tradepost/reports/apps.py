from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tradepost.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The monthly stock rollup is kept inside every stock posting's transaction.
        from tradepost.inventory.ledger import register_moves_listener
        from tradepost.reports import panels
        from tradepost.reports.rollup import stock_monthly_record
        from tradepost.reports.sales_rollup import sales_moves_record, sales_posting_record
        from tradepost.sales.postings import register_sales_listener

        register_moves_listener(stock_monthly_record)
        # The sales rollups: sales as orders post, cost of goods as stock moves post.
        register_sales_listener(sales_posting_record)
        register_moves_listener(sales_moves_record)
        # The customer-value section of the customer 360° page.
        panels.register()
