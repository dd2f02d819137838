from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "tradepost.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Registers the `customers` and `contacts` resources for import and export.
        from tradepost.customers import importing  # noqa: F401
        from tradepost.customers.filters import CustomerListFilter
        from tradepost.workspace.saved_filters import register_list

        # The customer list keeps saved filters.
        register_list(
            "customers",
            url_name="customers:list",
            filterset=CustomerListFilter,
            permission="customers.view_customer",
        )
