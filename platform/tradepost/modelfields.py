"""Model field shorthands the domain apps share, so every document stores money,
quantities, currencies and user references alike: money and quantities are `Decimal`s
as precise as `tradepost.amounts` says, a currency is one of `Currency`, and a
user reference survives the user (SET_NULL)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.amounts import MONEY, QUANTITY
from tradepost.masterdata.models import DEFAULT_CURRENCY, Currency

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
ZERO = Decimal("0")


def money_field(verbose_name: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0.00"))
    return models.DecimalField(verbose_name, **MONEY, **kwargs)


def quantity_field(verbose_name: StrOrPromise, **kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("default", Decimal("0"))
    return models.DecimalField(verbose_name, **QUANTITY, **kwargs)


def currency_field() -> models.CharField:
    return models.CharField(
        _("currency"), max_length=3, choices=Currency.choices, default=DEFAULT_CURRENCY
    )


def user_field(related_name: str, verbose_name: StrOrPromise) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
    )
