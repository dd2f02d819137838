"""Targets from CSV and Excel through the dataio import: all or nothing with a row
report; a target already set for that period and object becomes an adjustment with
the reason "Import"; codes outside the importer's scope are row errors."""

from __future__ import annotations

import datetime
import io

from django_tenants.utils import schema_context

from tests.dataio.files import csv_file, xlsx_file
from tests.plans.conftest import NOV, D, target
from tradepost.dataio.services import import_run
from tradepost.dataio.spec import get
from tradepost.plans.models import SalesTarget, TargetAdjustment

HEADERS = ["period", "dimension", "code", "amount", "quantity"]


def _run(org, who, rows, headers=HEADERS, name="targets.csv"):
    with schema_context(org.schema):
        return import_run(
            get("sales_targets"), csv_file(rows, headers, name), actor=org.person(who), name=name
        )


def test_a_good_excel_file_sets_new_targets_and_adjusts_existing_ones(sales_org):
    org = sales_org
    existing = target(org, dimension="branch", branch=org.branches["east"], amount="500.00")
    unchanged = target(org, kind="year", start=datetime.date(2026, 1, 1), amount="9000.00")
    rows = [
        ["2026-11", "分公司", "e", "800.00", ""],  # East again: an adjustment
        ["2026-Q4", "region", "EC", "2400", "30"],
        ["2026-11", "销售员", org.users["salesperson"].email, "300.00", "5"],
        ["2026-12", "category", "KIT", "1,000.50", ""],
        ["2026", "company", "", "9000.00", ""],  # as it is: left alone
    ]
    response = org.client("executive").post(
        "/data/sales_targets/import/",
        {"file": xlsx_file(rows, ["期间", "维度", "编码", "金额", "数量"], "targets.xlsx")},
    )
    assert response.status_code == 302, response.content[:2000]
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 5
        existing.refresh_from_db()
        assert existing.amount == D("800.00")
        adjustment = TargetAdjustment.objects.get()
        assert (adjustment.target_id, adjustment.old_amount, adjustment.reason) == (
            existing.pk,
            D("500.00"),
            "Import",
        )
        assert not TargetAdjustment.objects.filter(target=unchanged).exists()
        quarter = SalesTarget.objects.get(dimension="region")
        assert (quarter.period_kind, quarter.period_start, quarter.quantity) == (
            "quarter",
            datetime.date(2026, 10, 1),
            D("30"),
        )
        assert SalesTarget.objects.get(dimension="category").amount == D("1000.50")


def test_a_file_with_one_bad_row_names_it_and_writes_nothing(sales_org):
    org = sales_org
    existing = target(org, dimension="branch", branch=org.branches["east"], amount="500.00")
    rows = [
        ["2026-11", "branch", "E", "800.00", ""],
        ["2026-11", "branch", "NOPE", "100.00", ""],  # row 3: no such branch
        ["2026-13", "company", "", "100.00", ""],  # row 4: no such month
        ["2026-11", "planet", "X", "100.00", ""],  # row 5: no such dimension
        ["2026-11", "region", "EC", "-5", ""],  # row 6: negative
        ["2026-11", "company", "E", "100", ""],  # row 7: a company has no code
        ["2026-11", "region", "EC", "100", ""],
    ]
    report = _run(org, "executive", rows)
    assert not report.ok and not report.applied
    errors = {(error.row, error.column) for error in report.errors}
    assert {(3, "code"), (4, "period"), (5, "dimension"), (6, "amount"), (7, "code")} <= errors
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 1
        existing.refresh_from_db()
        assert existing.amount == D("500.00")
        assert not TargetAdjustment.objects.exists()


def test_a_manager_imports_only_within_their_scope(sales_org):
    org = sales_org
    rows = [
        ["2026-11", "branch", "SH", "100.00", ""],
        ["2026-11", "branch", "BJ", "100.00", ""],  # row 3: North's branch
        ["2026-11", "company", "", "100.00", ""],  # row 4: company-wide
    ]
    report = _run(org, "sales_manager", rows)
    assert {(error.row, error.column) for error in report.errors} == {(3, "code"), (4, "dimension")}
    with schema_context(org.schema):
        assert not SalesTarget.objects.exists()
    ok = _run(org, "sales_manager", rows[:1])
    assert ok.applied
    refused = org.client("salesperson").post(
        "/data/sales_targets/import/", {"file": csv_file(rows[:1], HEADERS, "t.csv")}
    )
    assert refused.status_code == 403
    with schema_context(org.schema):
        assert SalesTarget.objects.get().period_start == NOV


def test_the_export_holds_the_callers_targets_and_imports_back_unchanged(sales_org):
    org = sales_org
    target(org, dimension="salesperson", salesperson=org.users["salesperson"], amount="300.00")
    target(org, dimension="branch", branch=org.branches["north"], amount="700.00", quantity="7")
    own = org.client("salesperson").get("/data/sales_targets/export/?format=csv")
    text = b"".join(own.streaming_content).decode("utf-8-sig")
    assert org.users["salesperson"].email in text and "700.00" not in text
    everything = org.client("executive").get("/data/sales_targets/export/?format=csv")
    exported = b"".join(everything.streaming_content)
    assert '"2026-11","branch","N","700.00","7.000"' in exported.decode("utf-8-sig")
    with schema_context(org.schema):
        report = import_run(
            get("sales_targets"),
            io.BytesIO(exported),
            actor=org.users["executive"],
            name="targets.csv",
        )
        assert report.applied
        assert SalesTarget.objects.count() == 2
        assert not TargetAdjustment.objects.exists()
