"""Numbers and dates as each language prints them (tradepost/formats): amounts grouped
by thousands in English and Chinese, ISO dates in lists, the long form on documents."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

AMOUNT = Template('{{ amount|floatformat:"2g" }}')
QUANTITY = Template('{{ quantity|floatformat:"-3g" }}')
DATES = Template('{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date:"DATE_FORMAT" }}|{{ day }}')


def _render(template: Template, language: str, **values) -> str:
    with translation.override(language):
        return template.render(Context(values))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_amounts_are_grouped_by_thousands_in_both_languages(language):
    assert _render(AMOUNT, language, amount=Decimal("300000")) == "300,000.00"
    assert _render(AMOUNT, language, amount=Decimal("1234567.5")) == "1,234,567.50"
    assert _render(QUANTITY, language, quantity=Decimal("50.000")) == "50"
    assert _render(QUANTITY, language, quantity=Decimal("12500.250")) == "12,500.250"


@pytest.mark.parametrize(
    ("language", "long"), [("en", "7 December 2026"), ("zh-hans", "2026年12月7日")]
)
def test_lists_show_iso_dates_and_documents_the_long_form(language, long):
    day = datetime.date(2026, 12, 7)

    assert _render(DATES, language, day=day) == f"2026-12-07|{long}|{long}"


def test_a_chinese_date_field_reads_and_shows_iso_dates():
    from django import forms

    with translation.override("zh-hans"):
        field = forms.DateField()
        assert field.clean("2026-12-07") == datetime.date(2026, 12, 7)
        assert field.clean("2026/12/07") == datetime.date(2026, 12, 7)
        assert forms.DateInput().format_value(datetime.date(2026, 12, 7)) == "2026-12-07"
