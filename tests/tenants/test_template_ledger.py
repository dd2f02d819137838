"""A workspace's stock ledger refuses changes from its first day: the template's
append-only trigger (migration inventory 0002) comes along when the template is cloned
(`provisioning.clone_template`, django-tenants' `clone_schema`) and when a pooled clone
is renamed for a sign-up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from tenants import provisioning
from tradepost.inventory.models import StockMove
from tradepost.masterdata.models import Location, Product

CLONE = "t_ledger_clone_check"


def _refuses_an_update(schema: str) -> None:
    with schema_context(schema):
        product = Product.objects.create(sku="LEDGER-1", name="Ledger check")
        move = StockMove.objects.create(
            kind=StockMove.Kind.OPENING,
            product=product,
            location=Location.objects.get(is_default=True, branch__isnull=True),
            quantity=Decimal("3"),
            document_type="check",
            document_id=1,
            reference="CHECK-1",
        )
        with (
            pytest.raises(IntegrityError, match="Stock moves are append-only"),
            transaction.atomic(),
        ):
            StockMove.objects.filter(pk=move.pk).update(quantity=Decimal("4"))
        with (
            pytest.raises(IntegrityError, match="Stock moves are append-only"),
            transaction.atomic(),
        ):
            StockMove.objects.filter(pk=move.pk).delete()
        assert StockMove.objects.get(pk=move.pk).quantity == Decimal("3")


def test_a_workspace_cloned_from_the_template_refuses_to_change_a_stock_move(
    platform_workspaces, db
):
    # Inside the test's transaction: the clone goes with its rollback.
    provisioning.clone_template(CLONE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = t.tgfoid"
            " JOIN pg_namespace pn ON pn.oid = p.pronamespace"
            " WHERE n.nspname = %s AND c.relname = 'inventory_stockmove'"
            " AND t.tgname = 'stockmove_append_only' AND pn.nspname = %s",
            [CLONE, CLONE],
        )
        assert cursor.fetchone()[0] == 1  # its own function, not the template's
    _refuses_an_update(CLONE)


def test_a_signed_up_workspace_refuses_to_change_a_stock_move(alpha):
    # alpha took a pooled clone of the template and renamed it.
    _refuses_an_update(alpha.schema)
