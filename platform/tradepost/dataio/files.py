"""CSV and Excel (.xlsx) files in and out, as rows of text.

Reading accepts what spreadsheets write: UTF-8 with or without a byte-order mark, or
GB18030 (Excel's "CSV" on Chinese Windows); comma, semicolon or tab separated; in
.xlsx the first sheet, numbers as Excel stores them. Writing puts a byte-order mark
in CSV so Excel opens Chinese text correctly, and never lets a cell become a formula.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from tradepost.uploads import size_text

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Characters that make a spreadsheet treat a cell as a formula (CSV injection), with
# the full-width forms some spreadsheets also accept.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
GUARD = "'"
# Zip members smaller than this are not held to the compression-ratio limit (a tiny
# styles.xml can compress 50:1 and is harmless).
RATIO_FLOOR_BYTES = 1024 * 1024


def max_file_bytes() -> int:
    return settings.DATAIO_MAX_FILE_BYTES


@dataclass
class Table:
    """A file's header row and its data rows, read lazily.

    `rows` yields (row number as the spreadsheet shows it, cells) for every row,
    blank ones included, and raises ValidationError on `file` once the file has more
    than the import's row cap or a row more than `DATAIO_MAX_COLUMNS` cells: the caps
    hold while reading, so a file of a million blank rows stops after the cap.
    `rows_read` counts the rows read so far and `progress()` tells how far through the
    file reading is (0..1), for the background import's progress bar.
    """

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    progress: Callable[[], float] = lambda: 0.0
    rows_read: int = 0


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _too_many_rows(max_rows: int) -> ValidationError:
    return _file_error(
        _("Import at most %(max)s rows at a time.")
        % {"max": number_format(max_rows, force_grouping=True)}
    )


def _too_many_columns() -> ValidationError:
    return _file_error(
        _("A row has more than %(max)d columns; remove the extra columns.")
        % {"max": settings.DATAIO_MAX_COLUMNS}
    )


def detect_format(name: str, head: bytes) -> str:
    lower = (name or "").lower()
    if lower.endswith(".xls"):
        raise _file_error(_("Old .xls files cannot be read; save the file as .xlsx or CSV."))
    if head.startswith(b"PK\x03\x04") or lower.endswith(".xlsx"):
        return XLSX
    return CSV


def _size_of(upload: IO[bytes]) -> int | None:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    try:
        position = upload.tell()
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
        upload.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return size


def _too_big() -> ValidationError:
    return _file_error(
        _("The file is larger than %(size)s; split it.") % {"size": size_text(max_file_bytes())}
    )


def check_file_size(upload: IO[bytes]) -> None:
    """Refuse an import file over DATAIO_MAX_FILE_BYTES (before anything reads it)."""
    size = _size_of(upload)
    if size is not None and size > max_file_bytes():
        raise _too_big()


def read_table(upload: IO[bytes], name: str = "", *, max_rows: int = 50_000) -> Table:
    """The file's header row and data rows. A file that cannot be read, or that is
    over a limit (size, uncompressed size, rows, columns), is a ValidationError on
    `file`. An .xlsx is read from the upload where it lies (a temporary file for big
    uploads), never copied into memory whole."""
    check_file_size(upload)
    with contextlib.suppress(AttributeError, OSError, ValueError):
        upload.seek(0)
    head = upload.read(4)
    if isinstance(head, str):
        head = head.encode()
    if detect_format(name, head) == XLSX:
        upload.seek(0)
        return _read_xlsx(upload, max_rows)
    rest = upload.read(max_file_bytes() + 1 - len(head))
    data = head + (rest.encode() if isinstance(rest, str) else rest)
    if len(data) > max_file_bytes():
        raise _too_big()
    if not data.strip():
        raise _file_error(_("The file is empty."))
    return _read_csv(data, max_rows)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file's text encoding is not UTF-8 or GB18030; save it as UTF-8."))


def _read_csv(data: bytes, max_rows: int) -> Table:
    text = _decode(data)
    del data
    if "\x00" in text:
        raise _file_error(_("This is not a CSV or .xlsx file."))
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    lines = max(text.count("\n"), 1)
    max_columns = settings.DATAIO_MAX_COLUMNS
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error):
        raise _file_error(_("The file has no header row.")) from None
    if len(headers) > max_columns:
        raise _too_many_columns()

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, cells in enumerate(reader, start=2):
                table.rows_read += 1
                if table.rows_read > max_rows:
                    raise _too_many_rows(max_rows)
                if len(cells) > max_columns:
                    raise _too_many_columns()
                yield number, cells
        except csv.Error as exc:
            raise _file_error(
                _("Row %(row)d cannot be read: %(error)s") % {"row": reader.line_num, "error": exc}
            ) from None

    table = Table(
        headers=[cell.strip() for cell in headers],
        rows=rows(),
        progress=lambda: min(reader.line_num / lines, 1.0),
    )
    return table


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


# --- Reading .xlsx safely --------------------------------------------------------------


class _Inflated(Exception):
    """More bytes came out of the archive than its limits allow."""


class _CountingStream(io.RawIOBase):
    """A zip member being inflated, counting what comes out against the archive's
    budget: declared sizes are only a claim, so the bytes actually read are capped."""

    def __init__(self, member: IO[bytes], archive: _CappedZipFile, declared: int) -> None:
        self._member = member
        self._archive = archive
        self._declared = declared
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._member.read(size)
        self.read_bytes += len(data)
        self._archive.inflated += len(data)
        if self.read_bytes > self._declared or self._archive.inflated > self._archive.budget:
            raise _Inflated
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._member.close()
        super().close()


class _CappedZipFile(zipfile.ZipFile):
    """A ZipFile whose members are read through `_CountingStream`s sharing one budget
    (a member read twice counts twice). Each stream also stops past its member's
    declared size."""

    budget: int = 0
    inflated: int = 0
    streams: list[_CountingStream]

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        member = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return member
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        stream = _CountingStream(member, self, info.file_size)
        self.streams.append(stream)
        return stream


def check_archive(archive: zipfile.ZipFile) -> int:
    """Refuse a zip bomb before inflating anything: the members' declared sizes must
    add up to at most DATAIO_MAX_UNCOMPRESSED_BYTES, and no sizeable member may be
    compressed more than DATAIO_MAX_COMPRESSION_RATIO to one. Returns the declared
    total."""
    limit = settings.DATAIO_MAX_UNCOMPRESSED_BYTES
    ratio = settings.DATAIO_MAX_COMPRESSION_RATIO
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > limit:
            raise _file_error(
                _("The Excel file unpacks to more than %(size)s; split it.")
                % {"size": size_text(limit)}
            )
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > ratio * max(
            info.compress_size, 1
        ):
            raise _file_error(
                _(
                    "The Excel file is packed unusually tightly (blank rows or cells "
                    "repeated many times?); delete the unused rows and columns and save "
                    "it again."
                )
            )
    return total


def xlsx_declared_size(upload: IO[bytes]) -> int:
    """The uncompressed size an .xlsx declares (after `check_archive`), to decide
    whether its import runs in the background; the upload is rewound."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return check_archive(archive)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _file_error(_("The Excel file cannot be read; save it again as .xlsx.")) from None
    finally:
        upload.seek(0)


_UNREADABLE_XLSX = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    IndexError,
    TypeError,
    AttributeError,
    EOFError,
    SyntaxError,  # ElementTree's ParseError
)


def _reader(upload: IO[bytes]):
    """openpyxl's reader (read-only) on an archive whose every read counts against the
    budget; the archive is checked for bombs (`check_archive`) first."""
    from openpyxl.reader.excel import ExcelReader

    archive = _CappedZipFile(upload)
    archive.streams = []
    # openpyxl reads some parts twice (a sheet's head for its size, then the
    # sheet): twice the declared total is what an honest file can need.
    archive.budget = 2 * check_archive(archive)
    reader = ExcelReader(upload, read_only=True, data_only=True)
    reader.archive.close()
    reader.archive = archive  # every part openpyxl reads goes through the budget
    reader.valid_files = archive.namelist()
    return reader, archive


def _open_workbook(upload: IO[bytes]):
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        reader, archive = _reader(upload)
        reader.read()
    except _Inflated:
        raise _file_error(
            _("The Excel file unpacks to more than it declares; save it again.")
        ) from None
    except (*_UNREADABLE_XLSX, InvalidFileException):
        raise _file_error(_("The Excel file cannot be read; save it again as .xlsx.")) from None
    return reader.wb, archive


# A row element of sheet XML, with or without a namespace prefix (`<row r="7">`,
# `<x:row>`, `<row/>`), and not `<rowBreaks>`.
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_ROW_TAG_MAX = 40  # bytes a match can span; kept over from one chunk to the next


def xlsx_check_row_count(upload: IO[bytes], max_rows: int) -> None:
    """Refuse an .xlsx whose first sheet holds more than `max_rows` rows below the
    header, blank rows included, by counting row elements in the inflated sheet XML
    without parsing it (about 0.1 s for 10 MB). Run before a big file is queued, so a
    sheet of millions of blank rows is a 400 in the request, not a failed job later.
    The inflated bytes are counted against the archive's budget like any other read;
    the upload is rewound."""
    from openpyxl.utils.exceptions import InvalidFileException

    archive = None
    try:
        # Only the workbook part, to find the first worksheet: opening the sheets the
        # way `_open_workbook` does would parse a sheet without a <dimension> whole.
        reader, archive = _reader(upload)
        reader.read_manifest()
        reader.read_workbook()
        path = next(
            rel.target
            for _sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        )
        rows = 0
        tail = b""
        with archive.open(path) as member:
            while chunk := member.read(1024 * 1024):
                data = tail + chunk
                cutoff = max(len(data) - _ROW_TAG_MAX, 0)
                rows += sum(1 for match in _ROW_TAG.finditer(data, 0) if match.start() < cutoff)
                tail = data[cutoff:]
                if rows > max_rows + 1:
                    raise _too_many_rows(max_rows)
        rows += len(_ROW_TAG.findall(tail))
        if rows > max_rows + 1:  # the header row is not counted
            raise _too_many_rows(max_rows)
    except _Inflated:
        raise _file_error(
            _("The Excel file unpacks to more than it declares; save it again.")
        ) from None
    except (*_UNREADABLE_XLSX, InvalidFileException, StopIteration):
        raise _file_error(_("The Excel file cannot be read; save it again as .xlsx.")) from None
    finally:
        if archive is not None:
            archive.close()
        upload.seek(0)


def _read_xlsx(upload: IO[bytes], max_rows: int) -> Table:
    workbook, archive = _open_workbook(upload)
    max_columns = settings.DATAIO_MAX_COLUMNS
    try:
        sheet = workbook.worksheets[0]
        declared_columns = sheet.max_column
        if declared_columns is not None and declared_columns > max_columns:
            raise _too_many_columns()
        # Rows are as wide as the declared dimension (checked above) or, without one,
        # as their last cell: a row reaching past the cap is refused.
        values = sheet.iter_rows(values_only=True)
        first = next(values, ())
        if len(first) > max_columns:
            raise _too_many_columns()
        headers = [cell_text(cell) for cell in first]
        sheet_size = archive.getinfo(sheet._worksheet_path).file_size or 1
    except ValidationError:
        workbook.close()
        raise
    except _Inflated:
        workbook.close()
        raise _file_error(
            _("The Excel file unpacks to more than it declares; save it again.")
        ) from None
    except _UNREADABLE_XLSX:
        workbook.close()
        raise _file_error(_("The Excel file cannot be read; save it again as .xlsx.")) from None
    if not any(headers):
        workbook.close()
        raise _file_error(_("The file has no header row."))

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for index, cells in enumerate(values, start=2):
                table.rows_read += 1
                if table.rows_read > max_rows:
                    raise _too_many_rows(max_rows)
                if len(cells) > max_columns:
                    raise _too_many_columns()
                yield index, [cell_text(cell) for cell in cells]
        except _Inflated:
            raise _file_error(
                _("The Excel file unpacks to more than it declares; save it again.")
            ) from None
        except _UNREADABLE_XLSX as exc:
            raise _file_error(
                _("The Excel file cannot be read: %(error)s") % {"error": exc}
            ) from None
        finally:
            workbook.close()

    def progress() -> float:
        reading = archive.streams[-1].read_bytes if archive.streams else 0
        return min(reading / sheet_size, 1.0)

    table = Table(headers=headers, rows=rows(), progress=progress)
    return table


# --- Writing -------------------------------------------------------------------------


def safe_text(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return GUARD + value
    return value


def unguard(text: str) -> str:
    """Undo `safe_text` on import: "'=1+1" reads back as "=1+1", so an exported file
    imports to the values it was made from. Only an apostrophe before a formula
    character is removed (the one export adds); "'quoted" stays as it is."""
    if text.startswith(GUARD) and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return safe_text(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, piece by piece, for a streaming response. Every field is quoted, so a
    spreadsheet opening the file with another separator (";" in many locales) cannot
    split "Acme;=1+1" into a formula cell."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
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
                cell = WriteOnlyCell(sheet, value=safe_text(value))
                cell.data_type = "s"  # text stays text, even "=1+1"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return output
