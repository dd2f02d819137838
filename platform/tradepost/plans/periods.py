"""Target periods: a month, a quarter or a year, stored as its kind and first day.

In files and filters a period is written "2026-12" (a month), "2026-Q4" (a quarter) or
"2026" (a year); `period_parse` reads those, `period_label` writes them.
"""

from __future__ import annotations

import calendar
import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PeriodKind(models.TextChoices):
    MONTH = "month", gettext_lazy("Month")
    QUARTER = "quarter", gettext_lazy("Quarter")
    YEAR = "year", gettext_lazy("Year")


MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
_PERIOD = re.compile(r"^\s*(\d{4})(?:-(?:(\d{1,2})|[Qq]([1-4])))?\s*$")


def period_end(kind: str, start: datetime.date) -> datetime.date:
    """The last day of the `kind` period starting on `start`."""
    last_month = start.month + MONTHS[PeriodKind(kind)] - 1
    return datetime.date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])


def period_start_check(kind: str, start: datetime.date) -> None:
    """`start` must be the first day of a `kind` period: the 1st of a month; of January,
    April, July or October for a quarter; 1 January for a year."""
    months = MONTHS[PeriodKind(kind)]
    if start.day != 1 or (start.month - 1) % months:
        raise ValidationError(
            {
                "period_start": [
                    _("Start on the first day of the period (%(example)s).")
                    % {"example": _period_example(kind, start)}
                ]
            }
        )


def _period_example(kind: str, day: datetime.date) -> str:
    months = MONTHS[PeriodKind(kind)]
    first = datetime.date(day.year, (day.month - 1) // months * months + 1, 1)
    return first.isoformat()


def period_label(kind: str, start: datetime.date) -> str:
    """ "2026-12", "2026-Q4" or "2026"."""
    if kind == PeriodKind.MONTH:
        return f"{start.year}-{start.month:02d}"
    if kind == PeriodKind.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def period_parse(text: str) -> tuple[str, datetime.date]:
    """The kind and first day of "2026-12", "2026-Q4" or "2026"; a ValidationError
    (on `period`) for anything else."""
    match = _PERIOD.match(text or "")
    if match:
        year = int(match[1])
        if match[2] and 1 <= int(match[2]) <= 12 and year >= 1:
            return PeriodKind.MONTH, datetime.date(year, int(match[2]), 1)
        if match[3] and year >= 1:
            return PeriodKind.QUARTER, datetime.date(year, (int(match[3]) - 1) * 3 + 1, 1)
        if not match[2] and not match[3] and year >= 1:
            return PeriodKind.YEAR, datetime.date(year, 1, 1)
    raise ValidationError(
        {"period": [_("Write the period as 2026-12 (month), 2026-Q4 (quarter) or 2026 (year).")]}
    )


def elapsed_days(start: datetime.date, end: datetime.date, today: datetime.date) -> int:
    """Calendar days of the period gone by `today`, today included; 0 before it starts,
    every day of it once it has ended."""
    if today < start:
        return 0
    return (min(today, end) - start).days + 1
