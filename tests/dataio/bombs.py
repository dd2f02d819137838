"""Hostile .xlsx files, made in the test: zip bombs of blank rows and lying sizes."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>sku</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>name</t></is></c></row>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def _skeleton() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["sku", "name"])
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_with_sheet(chunks: Iterable[bytes], name: str = "bomb.xlsx") -> SimpleUploadedFile:
    """A real workbook whose first sheet's XML is `chunks` (after the header row)."""
    source = zipfile.ZipFile(io.BytesIO(_skeleton()))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == SHEET:
                with target.open(SHEET, "w") as sheet:
                    sheet.write(SHEET_HEAD)
                    for chunk in chunks:
                        sheet.write(chunk)
                    sheet.write(SHEET_TAIL)
            else:
                target.writestr(info, source.read(info.filename))
    return SimpleUploadedFile(name, output.getvalue())


def blank_rows(count: int, start: int = 2, *, numbered: bool = True) -> Iterable[bytes]:
    """`count` empty rows: `<row r="n"/>`, or `<row/>` (the row number is optional in
    the format, and a file of those is the tightest bomb: megabytes in kilobytes)."""
    batch = 100_000
    for first in range(start, start + count, batch):
        last = min(first + batch, start + count)
        if numbered:
            yield b"".join(b'<row r="%d"/>' % n for n in range(first, last))
        else:
            yield b"<row/>" * (last - first)


def data_rows(rows: list[tuple[str, str]], start: int = 2) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c>'
        b'<c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>'
        % (n, n, sku.encode(), n, name.encode())
        for n, (sku, name) in enumerate(rows, start=start)
    )


def padded_sheet(megabytes: int) -> Iterable[bytes]:
    """Sheet XML that inflates to about `megabytes` MB (whitespace between rows)."""
    chunk = b" " * (1024 * 1024)
    for _ in range(megabytes):
        yield chunk


def lying_sizes(upload: SimpleUploadedFile, declared: int = 1000) -> SimpleUploadedFile:
    """The same zip with the sheet's uncompressed size in the central directory (and
    local header) rewritten to `declared` bytes: a claim the inflated data exceeds."""
    data = bytearray(upload.read())
    upload.seek(0)
    name = SHEET.encode()
    # Central directory entry: signature, then the uncompressed size at offset 24.
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46 : central + 46 + name_length]) == name:
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    return SimpleUploadedFile(upload.name, bytes(data))
