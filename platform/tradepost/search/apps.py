from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "tradepost.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from tradepost.search import documents

        # Each searched record's document follows it: saved, deleted or imported.
        documents.connect()
