"""Building CSV and .xlsx files in tests."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADERS = [
    "sku",
    "name",
    "category",
    "unit",
    "barcode",
    "list_price",
    "currency",
    "tax_rate",
    "is_active",
]


def csv_file(
    rows: list[list],
    headers: list[str] = HEADERS,
    name: str = "products.csv",
    encoding: str = "utf-8",
) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(
    rows: list[list], headers: list[str] = HEADERS, name: str = "products.xlsx"
) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def product_rows(count: int, prefix: str = "IMP") -> list[list]:
    return [
        [
            f"{prefix}-{index:05d}",
            f"Product {index} 商品{index}",
            "KET",
            "pcs",
            "",
            f"{index % 500}.50",
            "CNY",
            "VAT 13%",
            "yes",
        ]
        for index in range(count)
    ]
