from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MasterdataConfig(AppConfig):
    name = "tradepost.masterdata"
    label = "masterdata"
    verbose_name = _("Master data")

    def ready(self) -> None:
        # New orders read the default location of their customer's branch from the
        # cache; any change to a location forgets it (and so does moving a branch:
        # `services._move`).
        from django.db.models.signals import post_delete, post_save

        from tradepost.masterdata.models import CompanyProfile, Location
        from tradepost.masterdata.selectors import default_locations, display_settings

        post_save.connect(
            default_locations.invalidate, sender=Location, dispatch_uid="location-saved"
        )
        post_delete.connect(
            default_locations.invalidate, sender=Location, dispatch_uid="location-deleted"
        )
        # Pages read the company's display settings (currency symbols) from the cache.
        for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(
                display_settings.invalidate, sender=CompanyProfile, dispatch_uid=f"company-{name}"
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
