from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from api.authentication import ApiKeyPrincipal


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        from api import keys, schema  # noqa: F401 - schema registers the OpenAPI auth extensions
        from tradepost import principals

        # Background jobs started with an API key run as that key (tradepost.principals).
        principals.register_resolver("key", _api_key_principal)
        # Cached keys and role permissions are forgotten when their rows change.
        keys.connect_signals()


def _api_key_principal(ident: str) -> ApiKeyPrincipal | None:
    """The live (unrevoked) API key `ident` as a caller, or None."""
    from api.authentication import ApiKeyPrincipal
    from api.models import ApiKey

    api_key = ApiKey.objects.filter(pk=ident, revoked_at__isnull=True).first()
    return ApiKeyPrincipal(api_key) if api_key else None
