"""Document numbers: gap-free and unique, also under concurrent transactions."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tradepost.masterdata.models import DocumentSequence
from tradepost.masterdata.services import document_number_next

THREADS = 8
NUMBERS_EACH = 10


def test_numbers_follow_the_default_format_and_restart_each_year(alpha):
    with schema_context(alpha.schema):
        first = document_number_next(key="order", year=2026)
        second = document_number_next(key="order", year=2026)
        next_year = document_number_next(key="order", year=2027)
        other_kind = document_number_next(key="widget", year=2026)

    assert (first, second, next_year) == ("SO-2026-00001", "SO-2026-00002", "SO-2027-00001")
    assert other_kind == "WIDGET-2026-00001"


def test_a_rolled_back_document_gives_its_number_back(alpha):
    with schema_context(alpha.schema):
        document_number_next(key="invoice", year=2026)
        with pytest.raises(RuntimeError), transaction.atomic():
            document_number_next(key="invoice", year=2026)
            raise RuntimeError("the invoice failed to save")
        after = document_number_next(key="invoice", year=2026)

    assert after == "INV-2026-00002"


def test_each_workspace_numbers_on_its_own(alpha, beta):
    with schema_context(alpha.schema):
        document_number_next(key="quote", year=2026)
        document_number_next(key="quote", year=2026)
    with schema_context(beta.schema):
        assert document_number_next(key="quote", year=2026) == "QT-2026-00001"


@pytest.fixture
def committed_sequences(platform_workspaces, django_db_blocker):
    """Sequence rows committed for real (other connections must see them); removed after."""
    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        yield workspace
        with schema_context(workspace.schema):
            DocumentSequence.objects.filter(key="race").delete()
        connection.set_schema_to_public()


def test_eight_concurrent_writers_get_eighty_distinct_consecutive_numbers(committed_sequences):
    """Eight threads, each on its own connection, take ten numbers each, one per
    transaction; the first ones race to create the sequence row itself."""
    schema = committed_sequences.schema
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def writer() -> None:
        try:
            with schema_context(schema):
                barrier.wait()
                for _ in range(NUMBERS_EACH):
                    with transaction.atomic():
                        number = document_number_next(key="race", year=2031)
                    with lock:
                        numbers.append(number)
        except BaseException as exc:  # noqa: BLE001 - asserted below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    expected = [f"RACE-2031-{n:05d}" for n in range(1, THREADS * NUMBERS_EACH + 1)]
    assert sorted(numbers) == expected
    with schema_context(schema):
        assert DocumentSequence.objects.get(key="race", year=2031).last_number == 80
