"""Big imports run as a Celery task: 202 and a job to poll (API), a progress page
(browser); only the one who started a job sees it, in its own workspace. Tasks run
in-process here (after commit, as tests/conftest.py sets Celery up);
tests/dataio/test_import_worker.py runs one through a real worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from tests.dataio.files import csv_file, product_rows
from tradepost.dataio import files
from tradepost.masterdata.models import Product


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    settings.DATAIO_BACKGROUND_BYTES = 200  # any file with a few rows is "big"
    # Stored uploads go to this test's own folder: both xdist workers have an "alpha"
    # schema, and "nothing stored" must not see the other worker's jobs.
    settings.MEDIA_ROOT = str(tmp_path)
    # django-tenants' storage forgets its cached root only when this one is set again.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT


@pytest.fixture
def admin(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


def _stored_imports(workspace) -> list[Path]:
    return list((Path(django_settings.MEDIA_ROOT) / workspace.schema / "imports").glob("*"))


def _skus(workspace) -> set[str]:
    with schema_context(workspace.schema):
        return set(Product.objects.values_list("sku", flat=True))


def test_the_api_answers_202_with_a_job_that_ends_with_the_report(
    alpha, catalogue, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post("/api/v1/products/import/", {"file": csv_file(product_rows(30))})

    assert response.status_code == 202
    job = response.json()
    assert job["state"] == "queued" and job["progress"] == 0
    assert response["Location"] == job["url"]
    assert job["url"].endswith(f"/api/v1/products/import/jobs/{job['id']}/")

    polled = admin.get(f"/api/v1/products/import/jobs/{job['id']}/").json()
    assert (polled["state"], polled["progress"], polled["rows_read"]) == ("done", 100, 30)
    assert polled["report"]["applied"] and polled["report"]["created"] == 30
    assert "IMP-00029" in _skus(alpha)
    assert _stored_imports(alpha) == []  # the upload is removed after the import


def test_a_background_file_with_bad_rows_writes_nothing_and_reports_them(
    alpha, catalogue, admin, django_capture_on_commit_callbacks
):
    rows = product_rows(30)
    rows[7][5] = "lots"

    with django_capture_on_commit_callbacks(execute=True):
        job = admin.post("/api/v1/products/import/", {"file": csv_file(rows)}).json()

    polled = admin.get(f"/api/v1/products/import/jobs/{job['id']}/").json()
    assert polled["state"] == "done" and not polled["report"]["applied"]
    assert [(e["row"], e["column"]) for e in polled["report"]["errors"]] == [(9, "list_price")]
    assert not any(sku.startswith("IMP-") for sku in _skus(alpha))


def test_a_file_refused_in_the_task_says_why(
    alpha, catalogue, admin, django_capture_on_commit_callbacks
):
    text = "sku,name,colour\n" + "A-1,one,red\n" * 30

    with django_capture_on_commit_callbacks(execute=True):
        job = admin.post(
            "/api/v1/products/import/",
            {"file": csv_file([], headers=[]).__class__("c.csv", text.encode())},
        ).json()

    polled = admin.get(f"/api/v1/products/import/jobs/{job['id']}/").json()
    assert polled["state"] == "failed"
    assert "Unknown column “colour”." in polled["errors"]


def test_the_browser_follows_the_job_on_a_progress_page(
    alpha, catalogue, django_capture_on_commit_callbacks
):
    client = alpha.client(alpha.owner())

    with django_capture_on_commit_callbacks() as queued:
        response = client.post("/data/products/import/", {"file": csv_file(product_rows(30))})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "<progress" in body and 'hx-trigger="every 1s"' in body  # polls while queued

    for callback in queued:
        callback()
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Imported 30 rows: 30 new, 0 updated." in partial
    assert "hx-trigger" not in partial and "<html" not in partial  # done: polling stops


def test_another_user_or_workspace_cannot_see_a_job(
    alpha,
    beta,
    catalogue,
    admin,
    api_key,
    api_client,
    make_user,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job = admin.post("/api/v1/products/import/", {"file": csv_file(product_rows(30))}).json()
    path = f"/api/v1/products/import/jobs/{job['id']}/"

    other_key = api_client(alpha, api_key(alpha, name="other"))
    in_beta = api_client(beta, api_key(beta))
    assert other_key.get(path).status_code == 404
    assert in_beta.get(path).status_code == 404
    page = f"/data/products/import/jobs/{job['id']}/"
    assert alpha.client(make_user(alpha, "system_administrator")).get(page).status_code == 404
    assert beta.client(beta.owner()).get(page).status_code == 404
    assert admin.get("/api/v1/products/import/jobs/not-a-job/").status_code == 404


def test_who_may_not_import_starts_no_job(alpha, catalogue, api_key, api_client):
    client = api_client(alpha, api_key(alpha, "salesperson"))

    response = client.post("/api/v1/products/import/", {"file": csv_file(product_rows(30))})

    assert response.status_code == 403
    assert _stored_imports(alpha) == []


def test_a_zip_bomb_is_refused_before_a_job_is_queued(alpha, catalogue, admin):
    from tests.dataio.bombs import blank_rows, xlsx_with_sheet

    response = admin.post(
        "/api/v1/products/import/",
        {"file": xlsx_with_sheet(blank_rows(500_000, numbered=False))},
    )

    assert response.status_code == 400
    assert _stored_imports(alpha) == []


def test_exports_guard_formulas_and_import_back_unchanged(
    alpha, catalogue, admin, django_capture_on_commit_callbacks, settings
):
    settings.DATAIO_BACKGROUND_BYTES = 10 * 1024 * 1024
    names = {"KT-100": "Acme;=1+1", "TS-200": "\uff1dSUM(A1)", "PN-001": "-5 off"}
    with schema_context(alpha.schema):
        for sku, name in names.items():
            Product.objects.filter(sku=sku).update(name=name)

    text = b"".join(admin.get("/api/v1/products/export/?format=csv").streaming_content)
    decoded = text.decode("utf-8-sig")
    assert '"KT-100","\'Acme;=1+1"' not in decoded  # no guard needed: it starts with A
    assert '"KT-100","Acme;=1+1"' in decoded  # every field quoted: ";" cannot split it
    assert '"\'\uff1dSUM(A1)"' in decoded and '"\'-5 off"' in decoded
    assert files.unguard("'=1+1") == "=1+1" and files.unguard("'quoted") == "'quoted"

    with schema_context(alpha.schema):
        Product.objects.filter(sku__in=list(names)).update(name="changed")
    upload = csv_file([], headers=[]).__class__("round.csv", text)
    response = admin.post("/api/v1/products/import/", {"file": upload})

    assert response.status_code == 200, response.json()
    with schema_context(alpha.schema):
        assert dict(Product.objects.filter(sku__in=list(names)).values_list("sku", "name")) == names
