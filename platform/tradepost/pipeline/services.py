"""The opportunity pipeline (seed S1, solution selling): opportunities moving through
the stages prospect → interest → diagnosis → vision → proposal → negotiation → won or
lost, each stage with a win probability, the weighted forecast and the kanban board.

Writes (`stage_probability_set`, `opportunity_create`, `opportunity_update`,
`opportunity_move`) each run in one transaction, check the actor's permission and the
opportunity's customer scope (`selectors.opportunities_visible_to`), refuse writes in
a read-only workspace and write an audit entry. The browser and the API call them.

Rules:

* Probabilities: `DEFAULT_STAGE_PROBABILITY` unless the workspace stored its own for a
  stage (`StageProbability`, set by sales managers, 0–100). Won is always 100 % and
  lost 0 %: only open stages are configurable.
* An opportunity is created in an open stage; its owner defaults to the customer's
  salesperson, else the actor; an owner given (on creation or as a change) must be among
  the actor's choices (`customers.services.check_choices`). Amount ≥ 0 with at most
  two decimal places; the currency defaults to the customer's.
* Moving: from any stage to any other. Moving to won or lost needs a reason (kept in
  `close_reason`) and stamps `closed_at`; moving a closed opportunity back to an open
  stage reopens it (clears `closed_at` and the reason). A win sets `follow_up_on`
  (when to check back with the customer — the seed's follow-up after the close): the
  date given, else 30 days after the win. Leaving won clears it. Every move is audited
  as `opportunity.moved` with `from` and `to`, under a row lock.
* The steps (edit, move) are declared once, as `LIFECYCLE` below
  (`tradepost.lifecycle`); the API's `allowed_actions` reads it.
* Weighted amount = amount × stage probability / 100, rounded half up to the cent per
  opportunity; sums (board columns, forecast) add these rounded amounts, per currency
  — amounts in different currencies are never added together.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Round, RowNumber, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from billing.access import ensure_writable
from tradepost.accounts.models import User
from tradepost.audit.services import audit_record
from tradepost.customers.models import Customer
from tradepost.customers.services import check_choices
from tradepost.lifecycle import Lifecycle, Transition
from tradepost.pipeline.models import (
    CLOSED_STAGES,
    DEFAULT_STAGE_PROBABILITY,
    OPEN_STAGES,
    Opportunity,
    Stage,
    StageProbability,
)
from tradepost.pipeline.selectors import opportunities_visible_to
from tradepost.pricing import documents
from tradepost.pricing.lines import CENT, HUNDRED, money
from tradepost.principals import Actor

ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")
FOLLOW_UP_DAYS = 30
RECENTLY_CLOSED_DAYS = 30
CARDS_PER_COLUMN = 50
MAX_FORECAST_MONTHS = 24
MAX_NAME = 200
MAX_REASON = 300
MAX_NEXT_STEP = 300
MAX_NOTES = 5000
CONFIGURABLE_STAGES = tuple(OPEN_STAGES)
# What `opportunity_update` may change. The customer is fixed (quotes hang off the
# opportunity for that customer); the stage changes only through `opportunity_move`.
EDITABLE_FIELDS = frozenset(
    {"name", "amount", "currency", "expected_close", "owner", "next_step", "notes", "follow_up_on"}
)


class OpportunityChanges(TypedDict, total=False):
    """What `opportunity_update` may change (`EDITABLE_FIELDS`), as forms and
    serializers parse it."""

    name: str
    amount: Decimal
    currency: str
    expected_close: datetime.date | None
    owner: User | None
    next_step: str
    notes: str
    follow_up_on: datetime.date | None


# --- Stage probabilities -------------------------------------------------------------
def _stored_probabilities() -> dict[str, int]:
    return dict(
        StageProbability.objects.filter(stage__in=CONFIGURABLE_STAGES).values_list(
            "stage", "probability"
        )
    )


def stage_probabilities() -> dict[str, int]:
    """Win probability (%) per stage: the defaults, overridden by the workspace's own."""
    probabilities = {str(stage): value for stage, value in DEFAULT_STAGE_PROBABILITY.items()}
    probabilities.update(_stored_probabilities())
    return probabilities


@dataclass(frozen=True)
class StageSetting:
    """A stage as the settings show it."""

    stage: str
    label: str
    probability: int
    is_default: bool  # the workspace has not set its own
    configurable: bool  # open stages only: won is always 100 %, lost 0 %


def stage_settings() -> list[StageSetting]:
    """Every stage in pipeline order with its probability (one query)."""
    stored = _stored_probabilities()
    return [
        StageSetting(
            stage=str(stage),
            label=str(stage.label),
            probability=stored.get(stage, DEFAULT_STAGE_PROBABILITY[stage]),
            is_default=stage not in stored,
            configurable=stage in CONFIGURABLE_STAGES,
        )
        for stage in (*OPEN_STAGES, *CLOSED_STAGES)
    ]


def _probability_value(stage: str, value: int) -> int:
    if stage not in CONFIGURABLE_STAGES:
        if stage in CLOSED_STAGES:
            raise ValidationError(
                {"stage": [_("Won is always 100 % and lost 0 %; only open stages can be set.")]}
            )
        raise ValidationError({"stage": [_("Choose a stage.")]})
    if not 0 <= value <= 100:
        raise ValidationError({"probability": [_("Enter a whole number from 0 to 100.")]})
    return value


@transaction.atomic
def stage_probabilities_set(*, actor: Actor, probabilities: Mapping[str, int]) -> dict[str, int]:
    """Set the win probability of one or more open stages at once (all or nothing).
    Forecasts and weighted amounts use the new values from then on."""
    documents.require(actor, "pipeline.change_stageprobability")
    cleaned = {stage: _probability_value(stage, value) for stage, value in probabilities.items()}
    ensure_writable()
    before = stage_probabilities()
    changed = {stage: value for stage, value in cleaned.items() if before[stage] != value}
    for stage, value in changed.items():
        StageProbability.objects.update_or_create(stage=stage, defaults={"probability": value})
    if changed:
        audit_record(
            actor=actor,
            action="stage_probability.changed",
            data={stage: {"from": before[stage], "to": value} for stage, value in changed.items()},
        )
    return {**before, **cleaned}


def stage_probability_set(*, actor: Actor, stage: str, probability: int) -> int:
    """Set one open stage's win probability (0–100, `pipeline.change_stageprobability`)."""
    return stage_probabilities_set(actor=actor, probabilities={stage: probability})[stage]


def weighted_amount(amount: Decimal, probability: int) -> Decimal:
    """amount × probability / 100, rounded half up to the cent."""
    return money(amount * probability / HUNDRED)


def probability_expression(probabilities: Mapping[str, int]) -> Case:
    """The stage's probability as a database expression (for annotations and sums)."""
    return Case(
        *(When(stage=stage, then=Value(value)) for stage, value in probabilities.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def weighted_expression(probabilities: Mapping[str, int]) -> Round:
    """`weighted_amount` in SQL: PostgreSQL rounds numerics half away from zero, which
    for amounts (never negative) is half up, as in Python."""
    return Round(
        ExpressionWrapper(
            F("amount") * probability_expression(probabilities) / Value(HUNDRED),
            output_field=DecimalField(max_digits=20, decimal_places=6),
        ),
        precision=2,
        output_field=DecimalField(max_digits=16, decimal_places=2),
    )


def with_weight(
    opportunities: QuerySet[Opportunity], probabilities: Mapping[str, int] | None = None
) -> QuerySet[Opportunity]:
    """Annotate `probability` and `weighted_amount` on every row (no extra queries)."""
    probabilities = probabilities if probabilities is not None else stage_probabilities()
    return opportunities.annotate(
        probability=probability_expression(probabilities),
        weighted_amount=weighted_expression(probabilities),
    )


# --- Reads ---------------------------------------------------------------------------
def opportunity_get(actor: Actor, opportunity_id: Any) -> Opportunity:
    """One opportunity in the actor's scope (customer and owner joined), or Http404."""
    try:
        return (
            opportunities_visible_to(actor)
            .select_related("customer", "owner")
            .get(pk=int(opportunity_id))
        )
    except (Opportunity.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _search_q(text: str) -> Q:
    return (
        Q(name__icontains=text) | Q(customer__name__icontains=text) | Q(customer__code__iexact=text)
    )


def opportunity_list(
    actor: Actor, *, stage: str | None = None, mine: bool = False, search: str = ""
) -> QuerySet[Opportunity]:
    """Opportunities in scope for a list: customer and owner joined, next closes first."""
    opportunities = opportunities_visible_to(actor).select_related("customer", "owner")
    if stage:
        opportunities = opportunities.filter(stage=stage)
    if mine:
        opportunities = opportunities.filter(owner_id=getattr(actor, "pk", None) or 0)
    if search:
        opportunities = opportunities.filter(_search_q(search))
    return opportunities.order_by(F("expected_close").asc(nulls_last=True), "pk")


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass
class BoardColumn:
    """One stage of the board: its first cards and its totals per currency."""

    stage: str
    label: str
    probability: int
    is_closed: bool
    cards: list[Opportunity] = field(default_factory=list)
    totals: list[CurrencyTotal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(total.count for total in self.totals)

    @property
    def more(self) -> int:
        """Cards in this stage beyond those shown."""
        return self.count - len(self.cards)


def pipeline_board(
    actor: Actor,
    *,
    mine: bool = False,
    search: str = "",
    closed_within_days: int = RECENTLY_CLOSED_DAYS,
    per_column: int = CARDS_PER_COLUMN,
) -> list[BoardColumn]:
    """The kanban board: a column per stage (open stages, then won and lost) with the
    open opportunities in scope and those closed in the last `closed_within_days`.

    Each column holds at most `per_column` cards (open: next expected close first;
    closed: latest first) and, per currency, the count, sum and weighted sum of all
    its opportunities. Four queries (plus the scope's), whatever the number of
    opportunities.
    """
    probabilities = stage_probabilities()
    since = timezone.now() - datetime.timedelta(days=closed_within_days)
    on_board = opportunities_visible_to(actor).filter(
        Q(stage__in=OPEN_STAGES) | Q(stage__in=CLOSED_STAGES, closed_at__gte=since)
    )
    if mine:
        on_board = on_board.filter(owner_id=getattr(actor, "pk", None) or 0)
    if search:
        on_board = on_board.filter(_search_q(search))
    columns = {
        str(stage): BoardColumn(
            stage=str(stage),
            label=str(stage.label),
            probability=probabilities[stage],
            is_closed=stage in CLOSED_STAGES,
        )
        for stage in (*OPEN_STAGES, *CLOSED_STAGES)
    }
    sums = (
        on_board.order_by()
        .values("stage", "currency")
        .annotate(
            count=Count("pk"),
            weighted=Sum(weighted_expression(probabilities)),
            unweighted=Sum("amount"),
        )
        .order_by("stage", "currency")
    )
    for row in sums:
        columns[row["stage"]].totals.append(
            CurrencyTotal(row["currency"], row["count"], row["unweighted"], row["weighted"])
        )
    for stages, order in (
        (OPEN_STAGES, [F("expected_close").asc(nulls_last=True), F("pk").asc()]),
        (CLOSED_STAGES, [F("closed_at").desc(nulls_last=True), F("pk").desc()]),
    ):
        cards = (
            on_board.filter(stage__in=stages)
            .select_related("customer", "owner")
            .annotate(rank=Window(RowNumber(), partition_by=[F("stage")], order_by=order))
            .filter(rank__lte=per_column)
            .order_by("stage", "rank")
        )
        for card in cards:
            # Shown on the board's cards.
            card.probability = probabilities[card.stage]  # type: ignore[attr-defined]
            card.weighted_amount = weighted_amount(card.amount, card.probability)  # type: ignore[attr-defined]
            columns[card.stage].cards.append(card)
    return list(columns.values())


# --- Forecast ------------------------------------------------------------------------
@dataclass
class ForecastLine:
    """Weighted amounts of one owner (or the total) in one currency."""

    owner_id: int | None
    owner_name: str
    by_month: dict[datetime.date, Decimal]
    overdue: Decimal = ZERO
    later: Decimal = ZERO
    no_date: Decimal = ZERO
    amount: Decimal = ZERO
    count: int = 0

    @property
    def total(self) -> Decimal:
        return sum(self.by_month.values(), ZERO) + self.overdue + self.later + self.no_date

    def add(
        self,
        month: datetime.date | None,
        weighted: Decimal,
        *,
        window: tuple[datetime.date, datetime.date],
    ) -> None:
        first, last = window
        if month is None:
            self.no_date += weighted
        elif month < first:
            self.overdue += weighted
        elif month > last:
            self.later += weighted
        else:
            self.by_month[month] += weighted


@dataclass
class CurrencyForecast:
    currency: str
    lines: list[ForecastLine]
    totals: ForecastLine


@dataclass
class Forecast:
    """The weighted forecast of open opportunities, per currency: a line per owner and
    a total line, each with a column per month, plus opportunities expected before the
    window (`overdue`), after it (`later`) and without an expected close (`no_date`)."""

    start: datetime.date
    months: list[datetime.date]
    currencies: list[CurrencyForecast]


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(day: datetime.date, count: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def _owner_label(user: User | None) -> str:
    return user.get_full_name() if user is not None else _("Unassigned")


def forecast(
    *,
    actor: Actor,
    months: int = 6,
    start: datetime.date | None = None,
    mine: bool = False,
) -> Forecast:
    """Weighted forecast of the OPEN opportunities in the actor's scope for `months`
    months from the month of `start` (default: this month), by month of expected
    close and by owner, per currency; a total line per currency.

    Each opportunity counts amount × its stage's probability / 100, rounded to the
    cent; sums are of those rounded amounts. Three queries (plus the scope's), whatever
    the number of opportunities.
    """
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValidationError({"months": [_("Enter a whole number of months.")]})
    if not 1 <= months <= MAX_FORECAST_MONTHS:
        raise ValidationError(
            {"months": [_("Choose 1 to %(max)d months.") % {"max": MAX_FORECAST_MONTHS}]}
        )
    first = month_start(start or timezone.localdate())
    try:
        window_months = [add_months(first, offset) for offset in range(months)]
    except ValueError:
        raise ValidationError({"start": [_("Choose an earlier start.")]}) from None
    window = (window_months[0], window_months[-1])
    probabilities = stage_probabilities()
    opportunities = opportunities_visible_to(actor).filter(stage__in=OPEN_STAGES)
    if mine:
        opportunities = opportunities.filter(owner_id=getattr(actor, "pk", None) or 0)
    rows = (
        opportunities.order_by()
        .annotate(month=TruncMonth("expected_close"))
        .values("currency", "owner_id", "month")
        .annotate(
            count=Count("pk"),
            weighted=Sum(weighted_expression(probabilities)),
            unweighted=Sum("amount"),
        )
    )
    rows = list(rows)  # type: ignore[assignment]  # the same rows, read once
    owner_ids = {row["owner_id"] for row in rows if row["owner_id"] is not None}
    owners = {user.pk: user for user in User.objects.filter(pk__in=owner_ids)}

    def new_line(owner_id: int | None, name: str) -> ForecastLine:
        return ForecastLine(owner_id, name, dict.fromkeys(window_months, ZERO))

    lines: dict[str, dict[int | None, ForecastLine]] = defaultdict(dict)
    totals: dict[str, ForecastLine] = {}
    for row in rows:
        currency, owner_id = row["currency"], row["owner_id"]
        line = lines[currency].get(owner_id)
        if line is None:
            line = lines[currency][owner_id] = new_line(
                owner_id, _owner_label(owners.get(owner_id))
            )
        total = totals.get(currency) or totals.setdefault(currency, new_line(None, _("Total")))
        for target in (line, total):
            target.add(row["month"], row["weighted"], window=window)
            target.amount += row["unweighted"]
            target.count += row["count"]
    currencies = [
        CurrencyForecast(
            currency=currency,
            lines=sorted(
                lines[currency].values(),
                key=lambda row: (row.owner_id is None, row.owner_name.lower()),
            ),
            totals=totals[currency],
        )
        for currency in sorted(lines)
    ]
    return Forecast(start=first, months=window_months, currencies=currencies)


# --- Writes --------------------------------------------------------------------------
LIFECYCLE: Lifecycle[Opportunity] = Lifecycle(
    model=Opportunity,
    field="stage",
    refusal=gettext_lazy("An opportunity in “%(status)s” cannot be %(action)s."),
    # The stepper of its page: the open stages in order, then won; a lost one shows
    # "Lost" after them.
    path=[*OPEN_STAGES, Stage.WON],
    visible=opportunities_visible_to,
    not_visible=gettext_lazy("This opportunity is not yours to change."),
    transitions=[
        Transition(
            "edit",
            source=Stage.values,
            target=None,
            permission="pipeline.change_opportunity",
            action="opportunity.updated",
            verb=pgettext_lazy("cannot be …", "changed"),
            endpoint=None,
        ),
        Transition(
            "move",  # from any stage to any other: the stage asked for
            source=Stage.values,
            target=None,
            permission="pipeline.change_opportunity",
            action="opportunity.moved",
            verb=pgettext_lazy("cannot be …", "moved"),
        ),
    ],
)


def _text(value: str, field_name: str, limit: int, *, required: bool = False) -> str:
    text = value.replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({field_name: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError(
            {field_name: [_("Use at most %(count)d characters.") % {"count": limit}]}
        )
    return text


def _amount(value: Decimal) -> Decimal:
    return documents.decimal_checked(value, field="amount", places=CENT, maximum=MAX_AMOUNT)


def _owner(value: User | None) -> User | None:
    if value is not None and not value.is_active:
        raise ValidationError({"owner": [_("Choose an active user as the owner.")]})
    return value


def _owner_in_reach(actor: Actor, value: User | None) -> User | None:
    """An owner the actor gives must be among their choices (`check_choices`): a
    salesperson gives opportunities to nobody but themselves, a manager to their team."""
    owner = _owner(value)
    check_choices(actor, {"owner": owner})
    return owner


@transaction.atomic
def opportunity_create(
    *,
    actor: Actor,
    customer: Customer,
    name: str,
    amount: Decimal,
    currency: str | None = None,
    expected_close: datetime.date | None = None,
    owner: User | None = None,
    stage: str = Stage.PROSPECT,
    next_step: str = "",
    notes: str = "",
) -> Opportunity:
    """A new opportunity for a customer in the actor's scope, in an open stage. The
    owner defaults to the customer's salesperson, else the actor; the currency to the
    customer's."""
    documents.require(actor, "pipeline.add_opportunity")
    documents.require_customer_visible(actor, customer)
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    checks: dict[str, Callable[[], Any]] = {
        "name": lambda: _text(name, "name", MAX_NAME, required=True),
        "amount": lambda: _amount(amount),
        "currency": lambda: documents.currency_value(currency, customer.currency),
        "expected_close": lambda: expected_close,
        "owner": lambda: _owner_in_reach(actor, owner),
        "next_step": lambda: _text(next_step, "next_step", MAX_NEXT_STEP),
        "notes": lambda: _text(notes, "notes", MAX_NOTES),
    }
    for name_, check in checks.items():
        try:
            values[name_] = check()
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                errors.setdefault(field_name, []).extend(messages)
    if stage not in OPEN_STAGES:
        errors["stage"] = [
            _("Start an opportunity in an open stage; move it to won or lost afterwards.")
        ]
    if not customer.is_active:
        errors["customer"] = [_("This customer is inactive.")]
    if errors:
        raise ValidationError(errors)
    ensure_writable()
    if values["owner"] is None:
        values["owner"] = customer.owner or documents.actor_user(actor)
    opportunity = Opportunity.objects.create(customer=customer, stage=stage, **values)
    audit_record(
        actor=actor,
        action="opportunity.created",
        target=opportunity,
        data={
            "customer": customer.pk,
            "stage": stage,
            "amount": str(opportunity.amount),
            "currency": opportunity.currency,
        },
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *, actor: Actor, opportunity: Opportunity, **changes: Unpack[OpportunityChanges]
) -> Opportunity:
    """Change an opportunity's name, amount, currency, expected close, owner, next step,
    notes or (once won) follow-up date. Its stage changes only by moving it."""
    step = LIFECYCLE.start("edit", actor=actor, document=opportunity)
    if "stage" in changes:
        raise ValidationError({"stage": [_("Move the opportunity to change its stage.")]})
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed.")] for name in unknown})
    locked = step.lock()
    cleaners: dict[str, Callable[[Any], Any]] = {
        "name": lambda value: _text(value, "name", MAX_NAME, required=True),
        "amount": _amount,
        "currency": lambda value: documents.currency_value(value, ""),
        "expected_close": lambda value: value,
        "owner": _owner,
        "next_step": lambda value: _text(value, "next_step", MAX_NEXT_STEP),
        "notes": lambda value: _text(value, "notes", MAX_NOTES),
        "follow_up_on": lambda value: value,
    }
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            cleaned[name] = cleaners[name](value)
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                errors.setdefault(field_name, []).extend(messages)
    if cleaned.get("follow_up_on") and locked.stage != Stage.WON:
        errors["follow_up_on"] = [_("A follow-up date is for won opportunities.")]
    if errors:
        raise ValidationError(errors)
    changed = {}
    for name, value in cleaned.items():
        attname = "owner_id" if name == "owner" else name
        new = value.pk if name == "owner" and value is not None else value
        if getattr(locked, attname) != new:
            changed[name] = value
    if "owner" in changed:
        check_choices(actor, {"owner": changed["owner"]})  # the current owner always stays
    if not changed:
        return locked
    return step.finish(fields=changed, data={"changed": sorted(changed)})


@transaction.atomic
def opportunity_move(
    *,
    actor: Actor,
    opportunity: Opportunity,
    stage: str,
    reason: str = "",
    follow_up_on: datetime.date | None = None,
) -> Opportunity:
    """Move an opportunity to another stage (see the module's rules: a reason to win or
    lose, `closed_at` stamped on closing and cleared on reopening, a follow-up date on a
    win). Moving to the stage it is already in changes nothing."""
    step = LIFECYCLE.start("move", actor=actor, document=opportunity)
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("Choose a stage.")]})
    reason = _text(reason, "reason", MAX_REASON)
    locked = step.lock()
    before = locked.stage
    if stage == before:
        return locked
    now = timezone.now()
    fields = ["closed_at", "close_reason", "follow_up_on"]  # the stage: `finish`
    if stage in CLOSED_STAGES:
        if not reason:
            message = _("Say why it was won.") if stage == Stage.WON else _("Say why it was lost.")
            raise ValidationError({"reason": [message]})
        locked.closed_at = now
        locked.close_reason = reason
    else:
        locked.closed_at = None
        locked.close_reason = ""
    if stage == Stage.WON:
        won_on = timezone.localdate(now)
        if follow_up_on is not None and follow_up_on < won_on:
            raise ValidationError({"follow_up_on": [_("The follow-up cannot be before the win.")]})
        locked.follow_up_on = follow_up_on or won_on + datetime.timedelta(days=FOLLOW_UP_DAYS)
    else:
        if follow_up_on is not None:
            raise ValidationError(
                {"follow_up_on": [_("A follow-up date is for won opportunities.")]}
            )
        locked.follow_up_on = None
    data = {"from": before, "to": stage}
    if reason:
        data["reason"] = reason
    return step.finish(to=stage, update_fields=fields, data=data)


def stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def stages(choices: Iterable[str] = (*OPEN_STAGES, *CLOSED_STAGES)) -> list[tuple[str, str]]:
    """(code, label) for the given stages, in pipeline order."""
    return [(str(stage), stage_label(stage)) for stage in choices]
