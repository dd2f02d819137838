"""Exchange rates in CSV and Excel files: the `exchange_rates` resource of
tradepost.dataio.

Import: each row is what one unit of a currency was worth in the base currency on a
day — columns currency, rate_date, rate (headers in English or Chinese: 币种, 日期,
汇率). The whole file is checked first and every problem reported by row; only a file
without any is saved (a day entered again replaces that day's rate), in one
transaction, through `services.exchange_rate_set`. Export: every rate entered.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.audit.services import audit_record
from tradepost.dataio import spec as dataio
from tradepost.dataio.parsers import iso_date
from tradepost.principals import Actor
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate
from tradepost.settlement.services import exchange_rate_set


def _check(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    base = money.base_currency()
    for row in rows:
        if row.values.get("currency") == base:
            report.add_error(
                row.row,
                "currency",
                row.cells.get("currency", ""),
                _("The base currency is always worth 1: choose another currency."),
            )
        rate = row.values.get("rate")
        if rate is not None and rate <= 0:
            report.add_error(
                row.row, "rate", row.cells.get("rate", ""), _("Must be more than zero.")
            )


def _apply(actor: Actor, rows: list[Any], context: dict[str, Any]) -> tuple[int, int]:
    for row in rows:
        exchange_rate_set(
            actor=actor,
            currency=row.values["currency"],
            rate=row.values["rate"],
            rate_date=row.values["rate_date"],
        )
    return len(rows), 0


def _finished(actor: Actor, created: int, updated: int) -> None:
    audit_record(actor=actor, action="exchange_rate.imported", data={"rows": created})


def _visible(actor: Actor) -> QuerySet[ExchangeRate]:
    if actor is None or not actor.has_perm("settlement.view_exchangerate"):
        return ExchangeRate.objects.none()
    return ExchangeRate.objects.all()


EXCHANGE_RATES = dataio.register(
    dataio.ResourceSpec(
        name="exchange_rates",
        label=gettext_lazy("exchange rates"),
        model=ExchangeRate,
        key="currency",
        row_key=lambda cells: f"{cells.get('currency', '').upper()}|{cells.get('rate_date', '')}",
        columns=[
            dataio.Column("currency", required=True, aliases=("币种", "货币")),
            dataio.Column(
                "rate_date",
                required=True,
                parse=iso_date,
                export=lambda rate: rate.rate_date.isoformat(),
                aliases=("date", "日期"),
            ),
            dataio.Column("rate", required=True, aliases=("汇率",)),
        ],
        queryset=_visible,
        check=_check,
        apply=_apply,
        finished=_finished,
    )
)
