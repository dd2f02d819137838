from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    name = "tradepost.workspace"
    label = "workspace"
    verbose_name = _("Workspace")

    def ready(self) -> None:
        from tradepost.text import install_field_hooks

        # Every form and serializer text field refuses control characters (tradepost.text).
        install_field_hooks()
