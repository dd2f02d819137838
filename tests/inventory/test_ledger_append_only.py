"""The stock ledger is append-only in the database: an UPDATE or a DELETE of a stock
move is refused by a trigger with a message saying so, whatever sends it, and the
move stays as it was; new moves are written as before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tests.inventory.stock_setup import received
from tradepost.inventory.checks import ledger_mismatches
from tradepost.inventory.models import StockMove


def test_a_stock_move_is_never_changed_nor_deleted(sales_org):
    received(sales_org, "5")
    with schema_context(sales_org.schema):
        move = StockMove.objects.get(kind="receipt")
        with (
            pytest.raises(IntegrityError, match="append-only: UPDATE of stock move"),
            transaction.atomic(),
        ):
            StockMove.objects.filter(pk=move.pk).update(quantity=Decimal("50"))
        with (
            pytest.raises(IntegrityError, match="append-only: DELETE of stock move"),
            transaction.atomic(),
        ):
            StockMove.objects.filter(pk=move.pk).delete()
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE inventory_stockmove SET reason = 'edited'")
        move.refresh_from_db()
        assert (move.quantity, move.reason) == (Decimal("5"), "")
        assert ledger_mismatches() == []
    received(sales_org, "2")  # appending goes on
    with schema_context(sales_org.schema):
        assert StockMove.objects.filter(kind="receipt").count() == 2
