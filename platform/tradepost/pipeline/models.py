"""Pipeline models: opportunities and their stages, and a workspace's own win
probability per stage.

The tables kept the names they had when these models lived in `tradepost.sales`
(`db_table`): the move changed no table (see `sales/migrations/0003_split_by_domain.py`).
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.modelfields import ZERO
from tradepost.modelfields import currency_field as _currency
from tradepost.modelfields import money_field as _money
from tradepost.modelfields import user_field as _user


class Stage(models.TextChoices):
    """The solution-selling stages, in order; won and lost close an opportunity."""

    PROSPECT = "prospect", _("Prospect")
    INTEREST = "interest", _("Interest")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    VISION = "vision", _("Vision")
    PROPOSAL = "proposal", _("Proposal")
    NEGOTIATION = "negotiation", _("Negotiation")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


OPEN_STAGES = [
    Stage.PROSPECT,
    Stage.INTEREST,
    Stage.DIAGNOSIS,
    Stage.VISION,
    Stage.PROPOSAL,
    Stage.NEGOTIATION,
]
CLOSED_STAGES = [Stage.WON, Stage.LOST]

# Win probability (%) per stage until a workspace sets its own (StageProbability).
DEFAULT_STAGE_PROBABILITY = {
    Stage.PROSPECT: 5,
    Stage.INTEREST: 10,
    Stage.DIAGNOSIS: 20,
    Stage.VISION: 40,
    Stage.PROPOSAL: 60,
    Stage.NEGOTIATION: 80,
    Stage.WON: 100,
    Stage.LOST: 0,
}


class StageProbability(models.Model):
    """A workspace's own win probability for a stage (overrides the default)."""

    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, unique=True)
    probability = models.PositiveSmallIntegerField(
        _("probability (%)"), validators=[MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "sales_stageprobability"
        verbose_name = _("stage probability")
        verbose_name_plural = _("stage probabilities")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__lte=100), name="stageprobability_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.probability}%"


class Opportunity(models.Model):
    """A possible sale to a customer, moving through the stages."""

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="opportunities",
        verbose_name=_("customer"),
    )
    owner = _user("opportunities", _("owner"))
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECT, db_index=True
    )
    amount = _money(_("amount"), validators=[MinValueValidator(ZERO)])
    currency = _currency()
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    close_reason = models.CharField(_("won / lost reason"), max_length=300, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    follow_up_on = models.DateField(
        _("follow up on"),
        null=True,
        blank=True,
        help_text=_("After a win: when to check back with the customer."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        db_table = "sales_opportunity"
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="opportunity_amount_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES
