"""Settlement's master files: exchange rates per day and the workspace's settlement
settings. Finance keeps both (`settlement.add_exchangerate`, `change_exchangerate`,
`change_settlementsettings`)."""

from __future__ import annotations

import datetime
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


@transaction.atomic
def settings_update(*, actor: Actor, overdue_block_days: int | None) -> SettlementSettings:
    """Set after how many days overdue invoices hold a customer's new orders (None:
    never)."""
    documents.require(actor, "settlement.change_settlementsettings")
    ensure_writable()
    if overdue_block_days is not None and not 0 <= overdue_block_days <= MAX_HOLD_DAYS:
        raise ValidationError(
            {"overdue_block_days": [_("Enter 0 to %(max)d days.") % {"max": MAX_HOLD_DAYS}]}
        )
    settings, _created = SettlementSettings.objects.get_or_create(singleton=True)
    settings.overdue_block_days = overdue_block_days
    settings.save()
    hold_days_cache.invalidate()
    audit_record(
        actor=actor,
        action="settlement_settings.updated",
        target=settings,
        data={"overdue_block_days": overdue_block_days},
    )
    return settings
