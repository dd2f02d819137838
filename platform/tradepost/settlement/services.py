"""Settlement's master files: exchange rates per day and the workspace's settlement
settings. Finance keeps both (`settlement.add_exchangerate`, `change_exchangerate`,
`change_settlementsettings`)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.pricing import documents
from tradepost.principals import Actor
from tradepost.settlement import money
from tradepost.settlement.models import ExchangeRate, SettlementSettings
from tradepost.versioned_cache import VersionedCache

MAX_RATE = Decimal("9999999999")
# The overdue hold is read by every order confirmation: kept in the shared cache.
hold_days_cache = VersionedCache("settlement:overdue-hold")
MAX_HOLD_DAYS = 3650


@transaction.atomic
def exchange_rate_set(
    *, actor: Actor, currency: str, rate: Decimal, rate_date: datetime.date | None = None
) -> ExchangeRate:
    """What one unit of `currency` is worth in the base currency on `rate_date` (today
    by default); entering a day again replaces that day's rate."""
    documents.require(actor, "settlement.add_exchangerate")
    ensure_writable()
    currency = documents.currency_value(currency, "")
    if currency == money.base_currency():
        raise ValidationError(
            {"currency": [_("The base currency is always worth 1: choose another currency.")]}
        )
    rate = documents.decimal_checked(
        rate, field="rate", places=money.RATE_PLACES, maximum=MAX_RATE, positive=True
    )
    rate_date = rate_date or timezone.localdate()
    if rate_date > timezone.localdate() + datetime.timedelta(days=1):
        raise ValidationError({"rate_date": [_("Enter rates up to tomorrow, not further ahead.")]})
    saved, created = ExchangeRate.objects.update_or_create(
        currency=currency,
        rate_date=rate_date,
        defaults={"rate": rate, "created_by": documents.actor_user(actor)},
    )
    audit_record(
        actor=actor,
        action="exchange_rate.saved",
        target=saved,
        data={"currency": currency, "date": rate_date.isoformat(), "rate": str(rate)},
    )
    return saved


def settings_get() -> SettlementSettings:
    """The workspace's settings (unsaved defaults until finance changes them)."""
    return SettlementSettings.objects.first() or SettlementSettings()


def overdue_hold_days() -> int | None:
    """`SettlementSettings.overdue_block_days`, from the shared cache."""
    found: int | None = hold_days_cache.get("days", lambda: settings_get().overdue_block_days)
    return found


# An account code goes into the bookkeeping system's import as it is: letters, digits
# and the separators charts of accounts use, starting with a letter or a digit (so a
# spreadsheet never reads one as a formula).
ACCOUNT_CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,19}")
ACCOUNT_FIELDS = ("receivable", "revenue", "tax", "bank", "cash", "adjustment")
MAX_REMINDER_DAYS = 365


def _accounts_checked(accounts: Mapping[str, str]) -> dict[str, str]:
    unknown = set(accounts) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"unknown accounts {sorted(unknown)}")
    checked: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for key, code in accounts.items():
        code = (code or "").strip()
        if not ACCOUNT_CODE.fullmatch(code):
            errors[f"account_{key}"] = [
                _("Enter the account's code: letters, digits, “.”, “-” or “_”, at most 20.")
            ]
        checked[key] = code
    if errors:
        raise ValidationError(errors)
    return checked


@transaction.atomic
def settings_update(
    *,
    actor: Actor,
    overdue_block_days: int | None,
    reminders_enabled: bool | None = None,
    reminder_every_days: int | None = None,
    accounts: Mapping[str, str] | None = None,
) -> SettlementSettings:
    """Set after how many days overdue invoices hold a customer's new orders (None:
    never); and, when given, whether payment reminders go out and how often (1 to
    365 days), and the accounting export's account codes (`accounts`: key of
    `ACCOUNT_FIELDS` → code). What is not given stays as it is."""
    documents.require(actor, "settlement.change_settlementsettings")
    ensure_writable()
    if overdue_block_days is not None and not 0 <= overdue_block_days <= MAX_HOLD_DAYS:
        raise ValidationError(
            {"overdue_block_days": [_("Enter 0 to %(max)d days.") % {"max": MAX_HOLD_DAYS}]}
        )
    if reminder_every_days is not None and not 1 <= reminder_every_days <= MAX_REMINDER_DAYS:
        raise ValidationError(
            {"reminder_every_days": [_("Enter 1 to %(max)d days.") % {"max": MAX_REMINDER_DAYS}]}
        )
    codes = _accounts_checked(accounts) if accounts is not None else {}
    settings, _created = SettlementSettings.objects.select_for_update().get_or_create(
        singleton=True
    )
    settings.overdue_block_days = overdue_block_days
    changed: dict[str, object] = {"overdue_block_days": overdue_block_days}
    if reminders_enabled is not None:
        settings.reminders_enabled = reminders_enabled
        changed["reminders_enabled"] = reminders_enabled
    if reminder_every_days is not None:
        settings.reminder_every_days = reminder_every_days
        changed["reminder_every_days"] = reminder_every_days
    for key, code in codes.items():
        setattr(settings, f"account_{key}", code)
        changed[f"account_{key}"] = code
    settings.save()
    hold_days_cache.invalidate()
    audit_record(actor=actor, action="settlement_settings.updated", target=settings, data=changed)
    return settings
