"""How fast does a 10,000-row product import run? Benchmark, not a test.

Against a throwaway database this script creates and drops itself (as provisioning.py
does), in a fresh workspace, it generates N product rows (default 10,000) as CSV and as
.xlsx and times, per format and per run:

  validate   tradepost.dataio.services.import_validate: read the file, parse and check
             every row, look up existing SKUs and barcodes — writes nothing;
  apply      import_apply: bulk insert (first run) or bulk update (the second run of
             the same file: every SKU then exists) in one transaction;
  total      import_run, the whole thing as the browser and the API call it;

and, in the same run on the same tables, two baselines that skip every check:

  bulk_create  Product.objects.bulk_create of N ready-made objects;
  COPY         PostgreSQL COPY of the same N rows (psycopg's copy protocol).

It prints rows/s and the ratio of the import to each baseline.

    .venv/bin/python bench/imports.py [--rows 10000] [--runs 3] [--json]

See bench/README.md for the house rules (a quiet machine; figures, not pass/fail).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_provisioning", BENCH_DIR / "provisioning.py")
assert _spec is not None and _spec.loader is not None
provisioning_bench = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = provisioning_bench
_spec.loader.exec_module(provisioning_bench)  # also puts platform/ on sys.path

log = provisioning_bench.log
HEADERS = ["sku", "name", "category", "unit", "barcode", "list_price", "currency", "tax_rate"]
TARGET_SECONDS = 10.0  # "10,000 rows import in seconds, not minutes"


def product_rows(count: int) -> list[list[str]]:
    units = ["台", "个", "pcs", "box"]
    return [
        [
            f"BENCH-{index:06d}",
            f"Stainless kettle model {index} 不锈钢电水壶{index}号",
            ["KIT", "KIT-KET", "OFF"][index % 3],
            units[index % len(units)],
            f"69{index:011d}",
            f"{Decimal(index % 997) + Decimal('0.90')}",
            "CNY",
            "VAT 13%",
        ]
        for index in range(count)
    ]


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("products")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([*row[:5], float(row[5]), *row[6:]])  # prices as Excel numbers
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def seconds(samples: list[float]) -> dict[str, float]:
    return {
        "runs": len(samples),
        "median_s": round(statistics.median(samples), 3),
        "min_s": round(min(samples), 3),
        "max_s": round(max(samples), 3),
    }


def run(args: argparse.Namespace) -> dict:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from tenants import provisioning
    from tenants.services import tenant_signup
    from tradepost.accounts.models import User
    from tradepost.dataio import services
    from tradepost.dataio.spec import get
    from tradepost.masterdata import services as masterdata
    from tradepost.masterdata.models import Product, ProductCategory, TaxRate

    log("migrate_schemas --shared; public tenant and template")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    provisioning.ensure_public_tenant()
    provisioning.ensure_template()
    signup = tenant_signup(
        company_name="Bench Trading",
        slug="bench-imports",
        owner_email="owner@bench.test",
        password=provisioning_bench.PASSWORD,
    )
    schema = signup.tenant.schema_name
    spec = get("products")
    rows = product_rows(args.rows)
    files = {"csv": csv_bytes(rows), "xlsx": xlsx_bytes(rows)}
    log(f"{args.rows} rows: csv {len(files['csv']) >> 10} KiB, xlsx {len(files['xlsx']) >> 10} KiB")
    results: dict[str, dict] = {}

    with schema_context(schema):
        owner = User.objects.get(email="owner@bench.test")
        masterdata.tax_rate_create(actor=owner, name="VAT 13%", rate=Decimal("13"), is_default=True)
        kitchen = masterdata.tree_node_create(
            actor=owner, model=ProductCategory, name="Kitchen", code="KIT"
        )
        masterdata.tree_node_create(
            actor=owner, model=ProductCategory, parent=kitchen, name="Kettles", code="KIT-KET"
        )
        masterdata.tree_node_create(actor=owner, model=ProductCategory, name="Office", code="OFF")

        def empty_table() -> None:
            Product.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE masterdata_product")

        def timed(call):
            started = time.perf_counter()
            value = call()
            return time.perf_counter() - started, value

        for fmt, data in files.items():
            samples: dict[str, list[float]] = {
                "validate": [],
                "apply_insert": [],
                "total_insert": [],
                "total_update": [],
            }
            for run_index in range(args.runs):
                empty_table()
                # validate + apply timed separately (import_run checks the file outside
                # any transaction and writes in one short one; here both share one)
                with transaction.atomic():
                    took, report = timed(
                        lambda d=data, f=fmt: services.import_validate(
                            spec, io.BytesIO(d), actor=owner, name=f"p.{f}", lock=True
                        )
                    )
                    assert report.ok, report.errors[:3]
                    samples["validate"].append(took)
                    took, _ = timed(lambda r=report: services.import_apply(spec, r, actor=owner))
                    samples["apply_insert"].append(took)
                assert Product.objects.count() == args.rows
                empty_table()
                took, report = timed(
                    lambda d=data, f=fmt: services.import_run(
                        spec, io.BytesIO(d), actor=owner, name=f"p.{f}"
                    )
                )
                assert report.applied and report.to_create == args.rows
                samples["total_insert"].append(took)
                took, report = timed(
                    lambda d=data, f=fmt: services.import_run(
                        spec, io.BytesIO(d), actor=owner, name=f"p.{f}"
                    )
                )
                assert report.applied and report.to_update == args.rows
                samples["total_update"].append(took)
                log(
                    f"{fmt} run {run_index + 1}: validate {samples['validate'][-1]:.2f} s, "
                    f"insert total {samples['total_insert'][-1]:.2f} s, "
                    f"update total {samples['total_update'][-1]:.2f} s"
                )
            results[fmt] = {key: seconds(values) for key, values in samples.items()}

        # Baselines: the same rows, no parsing, no checks.
        kettles = ProductCategory.objects.get(code="KIT-KET")
        vat = TaxRate.objects.get()
        baseline: dict[str, list[float]] = {"bulk_create": [], "copy": []}
        for _ in range(args.runs):
            empty_table()
            objects = [
                Product(
                    sku=row[0],
                    name=row[1],
                    category=kettles,
                    unit=row[3],
                    barcode=row[4],
                    list_price=Decimal(row[5]),
                    currency="CNY",
                    tax_rate=vat,
                )
                for row in rows
            ]
            with transaction.atomic():
                took, _ = timed(lambda o=objects: Product.objects.bulk_create(o, batch_size=2000))
            baseline["bulk_create"].append(took)
            empty_table()

            def copy() -> None:
                columns = (
                    "sku, name, description, category_id, unit, barcode, image, list_price, "
                    "currency, tax_rate_id, is_active, created_at, updated_at"
                )
                with transaction.atomic(), connection.cursor() as cursor:
                    raw = cursor.cursor  # psycopg's own cursor, for the COPY protocol
                    with raw.copy(f"COPY masterdata_product ({columns}) FROM STDIN") as out:
                        for row in rows:
                            out.write_row(
                                (
                                    row[0],
                                    row[1],
                                    "",
                                    kettles.pk,
                                    row[3],
                                    row[4],
                                    "",
                                    row[5],
                                    "CNY",
                                    vat.pk,
                                    True,
                                    "now",
                                    "now",
                                )
                            )

            took, _ = timed(copy)
            baseline["copy"].append(took)
            assert Product.objects.count() == args.rows
        results["baseline"] = {key: seconds(values) for key, values in baseline.items()}
        empty_table()
    connection.set_schema_to_public()

    def rate(median_s: float) -> int:
        return round(args.rows / median_s)

    summary = {}
    for fmt in files:
        total = results[fmt]["total_insert"]["median_s"]
        summary[fmt] = {
            "rows_per_s_insert": rate(total),
            "rows_per_s_update": rate(results[fmt]["total_update"]["median_s"]),
            "over_bulk_create": round(total / results["baseline"]["bulk_create"]["median_s"], 1),
            "over_copy": round(total / results["baseline"]["copy"]["median_s"], 1),
            "target_ok": total <= TARGET_SECONDS,
        }
    return {
        "environment": {
            "rows": args.rows,
            "runs": args.runs,
            "python": sys.version.split()[0],
            "csv_bytes": len(files["csv"]),
            "xlsx_bytes": len(files["xlsx"]),
        },
        "results": results,
        "summary": summary,
        "target_seconds": TARGET_SECONDS,
    }


def print_table(report: dict) -> None:
    rows = report["environment"]["rows"]
    print(f"\nProduct import, {rows} rows, median of {report['environment']['runs']} runs\n")
    print(f"{'':28}{'median s':>10}{'rows/s':>10}")
    for fmt in ("csv", "xlsx"):
        for key, label in [
            ("validate", "validate (read+check)"),
            ("apply_insert", "apply (bulk insert)"),
            ("total_insert", "import, all new"),
            ("total_update", "import, all existing"),
        ]:
            median = report["results"][fmt][key]["median_s"]
            print(f"{fmt + ' ' + label:28}{median:>10.3f}{round(rows / median):>10}")
    for key, label in [("bulk_create", "baseline bulk_create"), ("copy", "baseline COPY")]:
        median = report["results"]["baseline"][key]["median_s"]
        print(f"{label:28}{median:>10.3f}{round(rows / median):>10}")
    print()
    for fmt, figures in report["summary"].items():
        verdict = "ok" if figures["target_ok"] else "MISSED"
        print(
            f"{fmt}: import (all new) is {figures['over_bulk_create']}× bulk_create and "
            f"{figures['over_copy']}× COPY; target ≤ {report['target_seconds']:.0f} s: {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    url, source = provisioning_bench.server_url()
    log(f"PostgreSQL: {provisioning_bench.describe(url)} ({source})")
    with provisioning_bench.throwaway_database(url) as database_url:
        provisioning_bench.setup_django(database_url)
        report = run(args)
    record_summary(report)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 0


def record_summary(report: dict) -> None:
    """The import times into var/bench/imports.jsonl for bench/summary.py."""
    recorder = provisioning_bench.summary_recorder("imports")
    for fmt, figures in report["summary"].items():
        recorder.record(
            f"import {report['environment']['rows']} products, {fmt}",
            report["results"][fmt]["total_insert"]["median_s"],
            "s",
            better="lower",
            target=report["target_seconds"],
            note=f"{figures['over_copy']}x COPY",
        )


if __name__ == "__main__":
    sys.exit(main())
