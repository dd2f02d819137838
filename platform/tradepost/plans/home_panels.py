"""The plans app's panels of the home page (`workspace.dashboard`):

* *My targets* (salespeople): their own targets of the month, quarter and year running
  today, with completion and the run-rate forecast (`selectors.completion`).
* *Team completion* (sales managers): this month's targets of their team — the branch
  and region targets and the staff targets they see (`selectors.targets_visible_to`)
  and the salesperson targets of everyone who reports to them, directly or further
  down (`masterdata.selectors.reports_subtree_ids`).
* *Company figures* (executives, administrators): sales this month against last month
  and the company target, gross margin (to those who may see costs), receivables,
  overdue and orders, with twelve months of sales and orders as bar charts.

Each takes a fixed number of queries whatever the number of targets, orders or
ledger entries: the targets (one), their completion (one GROUP BY per dimension on the
panel), sales per month (one GROUP BY), receivables (one aggregate) and the
profitability report's own fixed set.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, Count, DateField, DecimalField, F, Q, Sum, When
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.lifecycle import permitted
from tradepost.masterdata.selectors import reports_subtree_ids
from tradepost.plans import selectors
from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import PeriodKind, elapsed_days, period_end, period_label
from tradepost.sales.models import OrderLine
from tradepost.sales.orders import CONFIRMED
from tradepost.workspace.dashboard import HomePanel, register_home_panel

D = SalesTarget.Dimension
TEAM_ROWS = 8
TREND_MONTHS = 12
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=16, decimal_places=2)


def period_starts(today: datetime.date) -> dict[str, datetime.date]:
    """The first day of the month, quarter and year `today` is in."""
    return {
        PeriodKind.MONTH: today.replace(day=1),
        PeriodKind.QUARTER: datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1),
        PeriodKind.YEAR: datetime.date(today.year, 1, 1),
    }


def _running(today: datetime.date, kinds: tuple[str, ...] | None = None) -> Q:
    starts = period_starts(today)
    condition = Q(pk__in=[])
    for kind, start in starts.items():
        if kinds is None or kind in kinds:
            condition |= Q(period_kind=kind, period_start=start)
    return condition


def _month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    start = today.replace(day=1)
    return start, period_end(PeriodKind.MONTH, start)


def orders_url(**params: Any) -> str:
    """The order list filtered by `params` (empty values left out)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("sales:orders") + (f"?{query}" if query else "")


def targets_url(**params: Any) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return reverse("plans:targets") + (f"?{query}" if query else "")


def _rows(targets: list[SalesTarget], today: datetime.date, base: str) -> list[dict[str, Any]]:
    figures = selectors.completion(targets, today=today, base=base)
    return [{"target": target, "completion": figures[target.pk]} for target in targets]


# --- My targets --------------------------------------------------------------------------
def my_targets(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    targets = list(
        selectors.targets_visible_to(user).filter(
            _running(today), dimension=D.SALESPERSON, salesperson_id=user.pk
        )
    )
    base = selectors.base_currency()
    month_start, month_end = _month_bounds(today)
    return {
        "rows": _rows(targets, today, base),
        "currency": base,
        "orders_url": orders_url(
            mine=1, order_date_from=month_start.isoformat(), order_date_to=today.isoformat()
        ),
        "targets_url": targets_url(dimension=D.SALESPERSON),
    }


# --- Team completion ---------------------------------------------------------------------
def team_targets(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    user = request.user
    month_start, month_end = _month_bounds(today)
    team = SalesTarget.objects.filter(
        selectors.target_scope(user).q()
        | Q(dimension=D.SALESPERSON, salesperson_id__in=reports_subtree_ids(user.pk or 0)),
        _running(today, (PeriodKind.MONTH,)),
        dimension__in=[D.BRANCH, D.REGION, D.SALESPERSON],
    )
    found = list(
        team.select_related("branch", "region", "salesperson").order_by(
            selectors.DIMENSION_ORDER,
            "branch__path",
            "region__path",
            "salesperson__full_name",
            "pk",
        )[: TEAM_ROWS + 1]
    )
    shown = found[:TEAM_ROWS]
    base = selectors.base_currency()
    rows = _rows(shown, today, base)
    for row in rows:
        target = row["target"]
        if target.dimension == D.SALESPERSON:
            # What the figure sums: the person's orders of the month.
            row["url"] = orders_url(
                owner=target.salesperson_id,
                order_date_from=month_start.isoformat(),
                order_date_to=month_end.isoformat(),
            )
        else:
            row["url"] = reverse("plans:target", args=[target.pk])
    return {
        "rows": rows,
        "more": len(found) > TEAM_ROWS,
        "currency": base,
        "period": period_label(PeriodKind.MONTH, month_start),
        "targets_url": targets_url(period=period_label(PeriodKind.MONTH, month_start)),
    }


# --- Company figures ---------------------------------------------------------------------
def _month_back(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def sales_by_month(
    today: datetime.date, months: int, base: str
) -> tuple[list[datetime.date], dict[datetime.date, Decimal], dict[datetime.date, int], int]:
    """Net sales (in the base currency, as target completion counts them) and confirmed
    orders per month of the last `months` months up to today: one GROUP BY (and one
    query for exchange rates when some orders are in another currency). Returns the
    months, the amounts, the order counts and the days left out for want of a rate."""
    first = _month_back(today.replace(day=1), months - 1)
    bucket = Case(
        When(order__currency=base, then=TruncMonth("order__order_date", output_field=DateField())),
        default=F("order__order_date"),
        output_field=DateField(),
    )
    rows = list(
        OrderLine.objects.filter(
            order__status__in=CONFIRMED,
            order__order_date__gte=first,
            order__order_date__lte=today,
        )
        .annotate(bucket=bucket)
        .values("order__currency", "bucket")
        .annotate(amount=Sum("net_amount"), orders=Count("order_id", distinct=True))
        .order_by()
    )
    for row in rows:
        if isinstance(row["bucket"], datetime.datetime):
            row["bucket"] = row["bucket"].date()
    rates = selectors._Rates(
        {(row["order__currency"], row["bucket"]) for row in rows if row["order__currency"] != base},
        base,
    )
    series = [_month_back(today.replace(day=1), count) for count in range(months - 1, -1, -1)]
    amounts: dict[datetime.date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    orders: dict[datetime.date, int] = defaultdict(int)
    unconverted = 0
    for row in rows:
        month = row["bucket"].replace(day=1)
        orders[month] += row["orders"]
        rate = rates.on(row["order__currency"], row["bucket"])
        if rate is None:
            unconverted += 1
            continue
        amounts[month] += ((row["amount"] or Decimal(0)) * rate).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
    return series, amounts, orders, unconverted


def _change(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((now - before) / before * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def company_kpis(request: HttpRequest, today: datetime.date) -> dict[str, Any]:
    from tradepost.settlement import profitability
    from tradepost.settlement.selectors import ledger_entries_visible_to

    user = request.user
    base = selectors.base_currency()
    months, amounts, orders, unconverted = sales_by_month(today, TREND_MONTHS, base)
    this_month, last_month = months[-1], months[-2]
    month_end = period_end(PeriodKind.MONTH, this_month)
    target = (
        SalesTarget.objects.filter(
            dimension=D.COMPANY, period_kind=PeriodKind.MONTH, period_start=this_month
        ).first()
        if user.has_perm("plans.view_salestarget")
        else None
    )
    completion = (
        selectors.completion([target], today=today, base=base)[target.pk] if target else None
    )
    sales_now = amounts[this_month]
    elapsed = elapsed_days(this_month, month_end, today)
    pace = (sales_now * month_end.day / elapsed).quantize(CENT, rounding=ROUND_HALF_UP)
    figures: dict[str, Any] = {
        "currency": base,
        "sales": sales_now,
        "sales_last_month": amounts[last_month],
        "pace": pace,
        "change": _change(pace, amounts[last_month]),
        "change_sign": "+" if pace > amounts[last_month] else "",
        "orders": orders[this_month],
        "orders_last_month": orders[last_month],
        "target": target,
        "completion": completion,
        "unconverted": unconverted,
        "sales_url": orders_url(
            order_date_from=this_month.isoformat(), order_date_to=today.isoformat()
        ),
        "last_month_url": orders_url(
            order_date_from=last_month.isoformat(),
            order_date_to=period_end(PeriodKind.MONTH, last_month).isoformat(),
        ),
        "target_url": reverse("plans:target", args=[target.pk]) if target else None,
        "targets_url": targets_url(period=period_label(PeriodKind.MONTH, this_month)),
        "sales_trend": [
            {
                "label": f"{month.month:02d}",
                "value": amounts[month],
                "title": f"{period_label(PeriodKind.MONTH, month)}: "
                f"{_amount(amounts[month])} {base}",
                "current": month == this_month,
            }
            for month in months
        ],
        "orders_trend": [
            {
                "label": f"{month.month:02d}",
                "value": Decimal(orders[month]),
                "title": f"{period_label(PeriodKind.MONTH, month)}: {orders[month]}",
                "current": month == this_month,
            }
            for month in months
        ],
        "first_month": months[0],
    }
    # Gross margin: revenue − cost of goods of the month so far (finance's
    # profitability report); only to those who may see stock costs.
    figures["margin"] = None
    if user.has_perm(profitability.COST_PERMISSION) and permitted(
        user, profitability.PROFITABILITY
    ):
        report = profitability.profitability(
            user, start=this_month, end=today, by=profitability.BRANCH
        )
        figures["margin"] = report.totals
        figures["margin_url"] = reverse("settlement:profitability")
    # Receivables: what customers owe and how much of it is overdue, per currency.
    figures["receivables"] = []
    if user.has_perm("settlement.view_customeraccount"):
        figures["receivables"] = list(
            ledger_entries_visible_to(user)
            .filter(open_amount__gt=0)
            .values("currency")
            .annotate(
                balance=Sum(
                    Case(
                        When(amount__gt=0, then=F("open_amount")),
                        default=-F("open_amount"),
                        output_field=MONEY,
                    )
                ),
                overdue=Sum(
                    "open_amount",
                    filter=Q(amount__gt=0, due_date__lt=today),
                ),
                overdue_customers=Count(
                    "customer_id", filter=Q(amount__gt=0, due_date__lt=today), distinct=True
                ),
            )
            .order_by("currency")
        )
        figures["receivables_url"] = reverse("settlement:receivables")
        figures["overdue_url"] = reverse("settlement:overdue")
    return figures


def _amount(value: Decimal) -> str:
    from tradepost.workspace.templatetags.charts import amount

    return amount(value)


# --- Registration ------------------------------------------------------------------------
def register() -> None:
    register_home_panel(
        HomePanel(
            key="my_targets",
            title=_("My targets"),
            template="plans/home/my_targets.html",
            context=my_targets,
            roles=frozenset({Role.SALESPERSON.value}),
            permission="plans.view_salestarget",
            order=10,
        )
    )
    register_home_panel(
        HomePanel(
            key="team_targets",
            title=_("Team completion"),
            template="plans/home/team_targets.html",
            context=team_targets,
            roles=frozenset({Role.SALES_MANAGER.value}),
            permission="plans.view_salestarget",
            order=10,
        )
    )
    register_home_panel(
        HomePanel(
            key="company_kpis",
            title=_("Company figures"),
            template="plans/home/company_kpis.html",
            context=company_kpis,
            roles=frozenset({Role.EXECUTIVE.value, Role.SYSTEM_ADMINISTRATOR.value}),
            permission="sales.view_order",
            order=5,
            wide=True,
        )
    )
