from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "tradepost.pipeline"
    label = "pipeline"
    verbose_name = _("Pipeline")

    def ready(self) -> None:
        # The opportunity page carries an activity feed (events and notes).
        from django.urls import reverse

        from tradepost.customers.selectors import staff_only
        from tradepost.pipeline.models import Opportunity
        from tradepost.pipeline.selectors import opportunities_visible_to
        from tradepost.workspace.feed_targets import FeedTarget, register_target

        register_target(
            FeedTarget(
                name="opportunity",
                model=Opportunity,
                visible=staff_only(opportunities_visible_to),
                permission="pipeline.view_opportunity",
                page_url=lambda record: reverse("sales:opportunity", args=[record.pk]),
            )
        )
        # The opportunity list keeps saved filters.
        from tradepost.pipeline.filters import OpportunityListFilter
        from tradepost.workspace.saved_filters import register_list

        register_list(
            "opportunities",
            url_name="sales:opportunities",
            filterset=OpportunityListFilter,
            permission="pipeline.view_opportunity",
        )
