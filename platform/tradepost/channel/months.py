"""Months as people and API clients write them: "2026-12" (what `<input type="month">`
sends) or a full date "2026-12-15", which names its month. The plan pages' forms, the
demand-plan API and its filters parse with `month_parse`; the services take the
`datetime.date` it gives (the month's first day)."""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\s*$")


def month_parse(value: object, *, field: str = "month") -> datetime.date:
    """The first day of the month `value` names: a date (any day of the month) or a
    text "2026-12" / "2026-12-15". Anything else is a ValidationError on `field`."""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    match = _MONTH.match(value) if isinstance(value, str) else None
    if match:
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3] or 1)).replace(day=1)
        except ValueError:
            pass
    raise ValidationError({field: [_("Enter a month as YYYY-MM, e.g. 2026-12.")]})
