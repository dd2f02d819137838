"""Import files are capped: zip bombs, blank rows, wide rows, lying sizes, big uploads.

Each refusal is a clear 400 (413 for an upload over the request cap) with nothing
written, and it comes before the work: the bombs are refused in well under a second.
"""

from __future__ import annotations

import io
import time
from wsgiref.util import is_hop_by_hop

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tests.dataio.bombs import (
    blank_rows,
    data_rows,
    lying_sizes,
    padded_sheet,
    xlsx_with_sheet,
)
from tests.dataio.files import HEADERS, csv_file, product_rows
from tests.support.factories import count_rows
from tradepost.dataio import files
from tradepost.dataio.spec import get
from tradepost.masterdata.models import Product
from tradepost.uploads import CappedUploadHandler, UploadTooLarge


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _media_in(settings, folder) -> None:
    settings.MEDIA_ROOT = str(folder)
    # django-tenants' storage forgets its cached root only when this one is set again.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT


def _post_timed(client, upload):
    started = time.perf_counter()
    response = client.post("/api/v1/products/import/", {"file": upload})
    return response, time.perf_counter() - started


def test_two_million_blank_rows_are_refused_at_once(alpha, catalogue, admin):
    bomb = xlsx_with_sheet(blank_rows(2_000_000, numbered=False))
    assert bomb.size < 100 * 1024  # small zipped: the point of a bomb

    response, elapsed = _post_timed(admin, bomb)

    assert response.status_code == 400
    assert "packed unusually tightly" in " ".join(response.json()["errors"]["file"])
    assert elapsed < 1.0, elapsed
    assert count_rows(alpha, Product) == 3


def test_millions_of_numbered_blank_rows_are_refused_in_the_request_not_queued(
    alpha, catalogue, admin, settings, tmp_path
):
    """`<row r="n"/>` rows compress only ~7:1, pass the archive checks and are big
    enough for a background import; the rows are counted before anything is queued."""
    _media_in(settings, tmp_path)
    bomb = xlsx_with_sheet(blank_rows(2_000_000, numbered=True))
    assert bomb.size < 8 * 1024 * 1024

    response, elapsed = _post_timed(admin, bomb)

    assert response.status_code == 400
    assert "Import at most 50,000 rows" in " ".join(response.json()["errors"]["file"])
    assert elapsed < 1.0, elapsed  # rows counted in the XML, stopped past the cap
    assert count_rows(alpha, Product) == 3
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # no job stored


@pytest.mark.parametrize("numbered", [True, False])
def test_the_row_count_before_queueing_stops_exactly_past_the_cap(numbered):
    files.xlsx_check_row_count(xlsx_with_sheet(blank_rows(1000, numbered=numbered)), 1000)
    with pytest.raises(ValidationError):
        files.xlsx_check_row_count(xlsx_with_sheet(blank_rows(1001, numbered=numbered)), 1000)


def test_a_big_workbook_within_the_row_cap_is_still_queued(
    alpha, catalogue, admin, settings, tmp_path
):
    settings.DATAIO_BACKGROUND_BYTES = 10_000
    _media_in(settings, tmp_path)  # the queued job's upload stays out of var/media
    workbook = xlsx_with_sheet(blank_rows(3_000, numbered=True))

    response = admin.post("/api/v1/products/import/", {"file": workbook})

    assert response.status_code == 202, response.content
    assert [path.name for path in tmp_path.rglob("*.xlsx")] == [f"{response.json()['id']}.xlsx"]


def test_a_sheet_inflating_to_a_hundred_megabytes_is_refused_at_once(alpha, catalogue, admin):
    bomb = xlsx_with_sheet(padded_sheet(110))

    response, elapsed = _post_timed(admin, bomb)

    assert response.status_code == 400
    assert response.json()["errors"]["file"]
    assert elapsed < 1.0, elapsed
    assert count_rows(alpha, Product) == 3


def test_the_uncompressed_total_is_capped_whatever_the_ratio(alpha, catalogue, admin, settings):
    settings.DATAIO_MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024
    settings.DATAIO_MAX_COMPRESSION_RATIO = 1_000_000

    response = admin.post("/api/v1/products/import/", {"file": xlsx_with_sheet(padded_sheet(3))})

    assert response.status_code == 400
    assert "unpacks to more than 2 MB" in " ".join(response.json()["errors"]["file"])


def test_blank_rows_count_towards_the_row_cap_while_reading(settings, monkeypatch):
    settings.DATAIO_MAX_COMPRESSION_RATIO = 1_000_000  # let the file through to the reader
    sheet = [data_rows([("B-1", "one"), ("B-2", "two")])] + list(blank_rows(50_000, start=4))

    table = files.read_table(xlsx_with_sheet(sheet), "blank.xlsx", max_rows=1000)
    with pytest.raises(files.ValidationError) as refused:
        for _row in table.rows:
            pass

    assert "at most 1,000 rows" in " ".join(refused.value.message_dict["file"])
    assert table.rows_read == 1001  # stopped at the cap, not after 50,000 rows


def test_blank_csv_lines_count_towards_the_row_cap(alpha, catalogue, admin, monkeypatch):
    monkeypatch.setattr(get("products"), "max_rows", 100)
    text = ",".join(HEADERS) + "\n" + "A-1,one\n" + "\n" * 500

    response = admin.post(
        "/api/v1/products/import/", {"file": SimpleUploadedFile("blank.csv", text.encode())}
    )

    assert response.status_code == 400
    assert "at most 100 rows" in " ".join(response.json()["errors"]["file"])
    assert count_rows(alpha, Product) == 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_rows_wider_than_the_column_cap_are_refused(alpha, catalogue, admin, settings, fmt):
    settings.DATAIO_MAX_COLUMNS = 20
    if fmt == "csv":
        upload = csv_file([["W-1", "wide"] + ["x"] * 30], headers=["sku", "name"])
    else:
        cells = b"".join(b'<c r="%s2"><v>1</v></c>' % col.encode() for col in ("A", "B", "Z"))
        upload = xlsx_with_sheet([b'<row r="2">' + cells + b"</row>"])

    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 400
    assert "more than 20 columns" in " ".join(response.json()["errors"]["file"])
    assert count_rows(alpha, Product) == 3


def test_a_zip_that_lies_about_its_sizes_is_refused(alpha, catalogue, admin, settings):
    settings.DATAIO_MAX_COMPRESSION_RATIO = 1_000_000
    honest = xlsx_with_sheet([data_rows([("L-1", "x")])] + list(padded_sheet(2)))

    response, elapsed = _post_timed(admin, lying_sizes(honest, declared=1000))

    assert response.status_code == 400
    assert "Excel file" in " ".join(response.json()["errors"]["file"])
    assert elapsed < 1.0, elapsed
    assert count_rows(alpha, Product) == 3


def test_bytes_inflated_are_counted_against_the_archive_budget(settings):
    """Declared sizes are a claim: the reader counts what actually comes out."""
    upload = xlsx_with_sheet([data_rows([("C-1", "x")])])
    archive = files._CappedZipFile(upload)
    archive.streams = []
    archive.budget = 100  # less than the sheet really holds
    with pytest.raises(files._Inflated), archive.open("xl/worksheets/sheet1.xml") as sheet:
        while sheet.read(64):
            pass


def test_an_honest_workbook_still_imports(alpha, catalogue, admin):
    upload = xlsx_with_sheet([data_rows([("H-1", "Honest"), ("H-2", "Also honest")])])

    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2


# --- The request cap: every upload ----------------------------------------------------


def test_an_upload_over_the_cap_is_413_before_it_is_read(alpha, catalogue, admin, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    upload = csv_file(product_rows(500))
    assert upload.size > 10_000

    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert "larger than" in response.json()["errors"]["file"][0]
    assert count_rows(alpha, Product) == 3


def test_the_browser_gets_a_413_page_for_imports_and_product_images(alpha, catalogue, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    client = alpha.client(alpha.owner())
    image = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 20_000, content_type="image/png")

    imported = client.post("/data/products/import/", {"file": csv_file(product_rows(500))})
    edited = client.post(f"/products/{catalogue.kettle.pk}/edit/", {"name": "x", "image": image})

    for response in (imported, edited):
        assert response.status_code == 413
        assert "The upload is larger than" in response.content.decode()
    assert count_rows(alpha, Product) == 3
    with schema_context(alpha.schema):
        assert Product.objects.get(pk=catalogue.kettle.pk).name != "x"


def test_the_413_page_speaks_the_callers_language_and_leads_home(alpha, catalogue, settings):
    settings.MAX_UPLOAD_BYTES = 10_000
    client = alpha.client(alpha.owner())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    response = client.post("/data/products/import/", {"file": csv_file(product_rows(500))})

    page = response.content.decode()
    assert response.status_code == 413
    assert '<html lang="zh-hans">' in page
    assert "上传的文件超过 9.8\xa0KB" in page and "上传文件过大" in page  # filesizeformat
    assert 'href="/"' in page and "tradepost.css" in page
    # a WSGI server refuses hop-by-hop headers from the application (a 500 instead)
    assert not [name for name in response.headers if is_hop_by_hop(name)]
    assert count_rows(alpha, Product) == 3


def test_the_upload_handler_stops_a_body_that_grows_past_its_declared_length(settings):
    settings.MAX_UPLOAD_BYTES = 1000
    handler = CappedUploadHandler()
    handler.handle_raw_input(io.BytesIO(), {}, 100, b"boundary")  # claims 100 bytes

    assert handler.receive_data_chunk(b"x" * 600, 0) == b"x" * 600
    with pytest.raises(UploadTooLarge):
        handler.receive_data_chunk(b"x" * 600, 600)


def test_uploads_above_the_memory_size_go_to_a_temporary_file(settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert settings.FILE_UPLOAD_HANDLERS[0] == "tradepost.uploads.CappedUploadHandler"
    assert "TemporaryFileUploadHandler" in settings.FILE_UPLOAD_HANDLERS[-1]


def test_an_api_upload_stopped_while_streaming_names_the_upload_limit(settings):
    """A body that lies about its length is stopped by the handler deep inside DRF's
    parsing; the API's answer names the upload limit, not the general body limit."""
    from api.errors import exception_handler

    settings.MAX_UPLOAD_BYTES = 3 * 1024 * 1024
    response = exception_handler(UploadTooLarge(), {})

    assert response.status_code == 413
    assert response.data["code"] == "payload_too_large"
    assert response.data["message"] == "The upload is larger than 3 MB; send a smaller file."
