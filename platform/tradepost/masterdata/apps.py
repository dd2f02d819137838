from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "tradepost.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        # New orders read the default location of their customer's branch from the
        # cache; any change to a location or a branch (a move changes its path) forgets it.
        from django.db.models.signals import post_delete, post_save

        from tradepost.masterdata.models import Branch, Location
        from tradepost.masterdata.selectors import default_locations

        def forget(**kwargs: object) -> None:
            default_locations.invalidate()

        for model in (Location, Branch):
            post_save.connect(
                forget, sender=model, weak=False, dispatch_uid=f"default-location-{model.__name__}"
            )
            post_delete.connect(
                forget,
                sender=model,
                weak=False,
                dispatch_uid=f"default-location-del-{model.__name__}",
            )

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
