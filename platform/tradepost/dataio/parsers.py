"""Reading one cell: text as people type it into spreadsheets, to a model value.

A parser gets the cell's text, already stripped and never empty, and the import's
context; it returns the value or raises ValidationError with a message for people.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

TRUE_WORDS = {"true", "yes", "y", "1", "on", "active", "是", "启用", "有效"}
FALSE_WORDS = {"false", "no", "n", "0", "off", "inactive", "否", "停用", "无效"}


def boolean(text: str, context: dict[str, Any]) -> bool:
    word = text.casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError(_("Enter yes or no (true/false, 1/0)."))


def text_parser(max_length: int | None) -> Callable[[str, dict[str, Any]], str]:
    def parse(text: str, context: dict[str, Any]) -> str:
        if max_length is not None and len(text) > max_length:
            raise ValidationError(_("Use at most %(max)d characters.") % {"max": max_length})
        return text

    return parse


def decimal_parser(field: models.DecimalField) -> Callable[[str, dict[str, Any]], Decimal]:
    places = field.decimal_places
    whole_digits = field.max_digits - places

    def parse(text: str, context: dict[str, Any]) -> Decimal:
        try:
            value = Decimal(text.replace(",", "").replace("¥", "").replace("￥", "").strip())
        except InvalidOperation:
            raise ValidationError(_("Enter a number.")) from None
        if not value.is_finite():
            raise ValidationError(_("Enter a number."))
        exponent = value.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and -exponent > places
            and value != value.quantize(Decimal(1).scaleb(-places))
        ):
            raise ValidationError(_("Use at most %(places)d decimal places.") % {"places": places})
        value = value.quantize(Decimal(1).scaleb(-places))
        if abs(value) >= Decimal(10) ** whole_digits:
            raise ValidationError(_("The number is too large."))
        field.run_validators(value)
        return value

    return parse


def integer(text: str, context: dict[str, Any]) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(_("Enter a whole number.")) from None


def iso_date(text: str, context: dict[str, Any]) -> datetime.date:
    """2027-03-31 or 2027/3/31 (an Excel date cell reads as the first)."""
    try:
        year, month, day = (int(part) for part in text[:10].replace("/", "-").split("-"))
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(_("Enter a date such as 2027-03-31.")) from None


def choice_parser(choices: list[tuple[Any, Any]]) -> Callable[[str, dict[str, Any]], Any]:
    by_text: dict[str, Any] = {}
    for value, label in choices:
        by_text[str(value).casefold()] = value
        by_text.setdefault(str(label).casefold(), value)

    def parse(text: str, context: dict[str, Any]) -> Any:
        try:
            return by_text[text.casefold()]
        except KeyError:
            allowed = ", ".join(str(value) for value, _label in choices)
            raise ValidationError(_("Choose one of: %(allowed)s.") % {"allowed": allowed}) from None

    return parse


def for_model_field(field: models.Field) -> Callable[[str, dict[str, Any]], Any]:
    """The default parser for a model field; foreign keys need their own."""
    if field.choices:
        return choice_parser(list(field.flatchoices))
    if isinstance(field, models.BooleanField):
        return boolean
    if isinstance(field, models.DecimalField):
        return decimal_parser(field)
    if isinstance(field, models.IntegerField):
        return integer
    if isinstance(field, models.CharField | models.TextField):
        validate = text_parser(field.max_length)

        def parse(text: str, context: dict[str, Any]) -> str:
            value = validate(text, context)
            field.run_validators(value)
            return value

        return parse
    raise TypeError(f"no default import parser for {field!r}; give the column a parse=")


def lookup_parser(context_key: str, message: str | Promise) -> Callable[[str, dict[str, Any]], Any]:
    """Find the cell's text (ignoring case) in `context[context_key]`, a dict the spec's
    `prepare` filled; an ambiguous entry holds None."""

    def parse(text: str, context: dict[str, Any]) -> Any:
        table = context[context_key]
        found = table.get(text.casefold(), ...)
        if found is ...:
            raise ValidationError(message % {"value": text})
        if found is None:
            raise ValidationError(
                _("“%(value)s” matches more than one record; use its code.") % {"value": text}
            )
        return found

    return parse


def lookup_table(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Text (case-folded) → object for `lookup_parser`; a text naming two objects maps
    to None (ambiguous, so the row is refused rather than guessed)."""
    table: dict[str, Any] = {}
    for text, obj in pairs:
        if not text:
            continue
        key = text.casefold()
        table[key] = None if key in table and table[key] != obj else obj
    return table
