"""Exchange rates: entered per day by finance (a day again replaces it), or imported from
CSV / Excel all-or-nothing with a row report; the base currency is never entered."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.dataio.files import csv_file, xlsx_file
from tradepost.dataio.services import import_run
from tradepost.dataio.spec import get
from tradepost.settlement import money, services
from tradepost.settlement.models import ExchangeRate

TODAY = timezone.localdate()
HEADERS = ["币种", "日期", "汇率"]


def test_finance_enters_a_rate_and_documents_convert_at_it(sales_org):
    org = sales_org
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        with pytest.raises(PermissionDenied):
            services.exchange_rate_set(
                actor=org.users["salesperson"], currency="USD", rate=Decimal("7.1")
            )
        with pytest.raises(ValidationError):  # the base currency is worth 1
            services.exchange_rate_set(actor=finance, currency="CNY", rate=Decimal("1"))
        with pytest.raises(ValidationError):
            services.exchange_rate_set(actor=finance, currency="USD", rate=Decimal("0"))
        with pytest.raises(ValidationError) as missing:
            money.factor("USD", "CNY", TODAY)
        assert "No exchange rate for USD" in missing.value.messages[0]
        services.exchange_rate_set(
            actor=finance,
            currency="USD",
            rate=Decimal("7.1"),
            rate_date=TODAY - datetime.timedelta(days=3),
        )
        services.exchange_rate_set(actor=finance, currency="USD", rate=Decimal("7.2"))
        services.exchange_rate_set(actor=finance, currency="USD", rate=Decimal("7.25"))
        assert ExchangeRate.objects.count() == 2  # today's entered twice: replaced
        assert money.factor("USD", "CNY", TODAY) == Decimal("7.25")
        # The latest rate on or before the day counts.
        assert money.factor("USD", "CNY", TODAY - datetime.timedelta(days=1)) == Decimal("7.1")
        assert money.converted(Decimal("10.01"), Decimal("7.25")) == Decimal("72.57")


def test_a_file_with_bad_rows_names_them_and_saves_nothing(sales_org):
    org = sales_org
    rows = [
        ["USD", "2026-11-30", "7.12"],
        ["CNY", "2026-11-30", "1"],  # row 3: the base currency
        ["XXX", "2026-11-30", "1.5"],  # row 4: no such currency
        ["EUR", "30.11.2026", "7.7"],  # row 5: the date
        ["EUR", "2026-11-30", "-1"],  # row 6: the rate
    ]
    with schema_context(org.schema):
        report = import_run(
            get("exchange_rates"),
            csv_file(rows, HEADERS, "rates.csv"),
            actor=org.users["finance_manager"],
            name="rates.csv",
        )
        assert not report.ok and not report.applied
        errors = {(e.row, e.column) for e in report.errors}
        assert {(3, "currency"), (4, "currency"), (5, "rate_date"), (6, "rate")} <= errors
        assert not ExchangeRate.objects.exists()


def test_a_good_excel_file_saves_every_rate_and_only_finance_may(sales_org):
    org = sales_org
    rows = [["USD", "2026/11/30", "7.12"], ["EUR", "2026-11-30", "7.74"]]
    refused = org.client("salesperson").post(
        "/data/exchange_rates/import/", {"file": xlsx_file(rows, HEADERS, "rates.xlsx")}
    )
    assert refused.status_code == 403
    response = org.client("finance_manager").post(
        "/data/exchange_rates/import/", {"file": xlsx_file(rows, HEADERS, "rates.xlsx")}
    )
    assert response.status_code == 302, response.content
    with schema_context(org.schema):
        saved = dict(ExchangeRate.objects.values_list("currency", "rate"))
        assert saved == {"USD": Decimal("7.12"), "EUR": Decimal("7.74")}
