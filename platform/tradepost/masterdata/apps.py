from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "tradepost.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        # Registers the `products` resource for import and export.
        from tradepost.masterdata import importing  # noqa: F401

        # The product list keeps saved filters.
        from tradepost.masterdata.filters import ProductListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "products",
            url_name="masterdata:product_list",
            filterset=ProductListFilter,
            permission="masterdata.view_product",
        )
