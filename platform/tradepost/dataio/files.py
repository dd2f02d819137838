"""CSV and Excel (.xlsx) files in and out, as rows of text.

Reading accepts what spreadsheets write: UTF-8 with or without a byte-order mark, or
GB18030 (Excel's "CSV" on Chinese Windows); comma, semicolon or tab separated; in
.xlsx the first sheet, numbers as Excel stores them. Writing puts a byte-order mark
in CSV so Excel opens Chinese text correctly, and never lets a cell become a formula.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_FILE_BYTES = 20 * 1024 * 1024
# Characters that make a spreadsheet treat a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as the spreadsheet shows it, cells)


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def detect_format(name: str, head: bytes) -> str:
    lower = (name or "").lower()
    if lower.endswith(".xls"):
        raise _file_error(_("Old .xls files cannot be read; save the file as .xlsx or CSV."))
    if head.startswith(b"PK\x03\x04") or lower.endswith(".xlsx"):
        return XLSX
    return CSV


def read_table(upload: IO[bytes], name: str = "") -> Table:
    """The file's header row and data rows. A file that cannot be read is a
    ValidationError on `file`."""
    data = upload.read(MAX_FILE_BYTES + 1)
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(
            _("The file is larger than %(size)d MB; split it.") % {"size": MAX_FILE_BYTES >> 20}
        )
    if not data.strip():
        raise _file_error(_("The file is empty."))
    if detect_format(name, data[:4]) == XLSX:
        return _read_xlsx(data)
    return _read_csv(data)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file's text encoding is not UTF-8 or GB18030; save it as UTF-8."))


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    if "\x00" in text:
        raise _file_error(_("This is not a CSV or .xlsx file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise _file_error(_("The file has no header row.")) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            yield from enumerate(reader, start=2)
        except csv.Error as exc:
            raise _file_error(
                _("Row %(row)d cannot be read: %(error)s") % {"row": reader.line_num, "error": exc}
            ) from None

    return Table(headers=[cell.strip() for cell in headers], rows=rows())


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person sees (12.0 → "12", no exponent)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        headers = [cell_text(cell) for cell in next(values, ())]
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError):
        raise _file_error(_("The Excel file cannot be read; save it again as .xlsx.")) from None
    if not any(headers):
        raise _file_error(_("The file has no header row."))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for index, cells in enumerate(values, start=2):
                yield index, [cell_text(cell) for cell in cells]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise _file_error(
                _("The Excel file cannot be read: %(error)s") % {"error": exc}
            ) from None
        finally:
            workbook.close()

    return Table(headers=headers, rows=rows())


# --- Writing -------------------------------------------------------------------------


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return _safe_text(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, piece by piece, for a streaming response."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(headers)
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def xlsx_file(headers: list[str], rows: Iterable[list[Any]], title: str) -> IO[bytes]:
    """An .xlsx workbook written row by row (openpyxl's write-only mode keeps memory
    flat), in a temporary file that spills to disk past a few MB."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(headers)
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"  # text stays text, even "=1+1"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output
