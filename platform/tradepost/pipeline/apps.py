from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "tradepost.pipeline"
    label = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        # The opportunity list keeps saved filters.
        from tradepost.pipeline.filters import OpportunityListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "opportunities",
            url_name="sales:opportunities",
            filterset=OpportunityListFilter,
            permission="pipeline.view_opportunity",
        )
