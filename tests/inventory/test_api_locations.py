"""`/api/v1/warehouses/` and `/api/v1/suppliers/`: created and changed through
`masterdata.services` (codes unique ignoring case, one default per branch, audit),
read by the roles that see stock, isolated between workspaces, lists at a pinned
query count."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.support.api import list_count
from tests.support.factories import count_rows
from tests.support.queries import assert_list_queries
from tradepost.audit.models import AuditEntry
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location, Supplier

WAREHOUSES = "/api/v1/warehouses/"
SUPPLIERS = "/api/v1/suppliers/"


def test_a_warehouse_manager_adds_a_warehouse_and_makes_it_the_branch_default(sales_org):
    api = sales_org.api("warehouse_manager")
    east = sales_org.branches["east"].pk
    first = api.post(WAREHOUSES, {"name": "East DC 华东仓", "code": "E-DC", "branch": east})
    assert first.status_code == 201, first.json()
    assert first.json()["kind"] == "warehouse" and first.json()["is_default"] is False
    made_default = api.patch(f"{WAREHOUSES}{first.json()['id']}/", {"is_default": True})
    assert made_default.status_code == 200 and made_default.json()["is_default"] is True

    second = api.post(
        WAREHOUSES,
        {"name": "East overflow", "code": "E-OF", "branch": east, "is_default": True},
    )
    assert second.status_code == 201, second.json()

    # One default per branch: the new default took the flag from the first.
    assert api.get(f"{WAREHOUSES}{first.json()['id']}/").json()["is_default"] is False
    defaults = api.rows(WAREHOUSES, branch=east, is_default="true")
    assert [row["code"] for row in defaults] == ["E-OF"]
    # The workspace-wide default (no branch) is untouched.
    assert api.rows(WAREHOUSES, code="WH") and api.get(WAREHOUSES).json()["count"] == 3
    with schema_context(sales_org.schema):
        assert Location.objects.get(code="WH").is_default
        actions = list(
            AuditEntry.objects.filter(action__startswith="location.").values_list(
                "action", flat=True
            )
        )
    assert sorted(actions) == ["location.created", "location.created", "location.updated"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"name": "Copy", "code": "wh"}, "code", "already used"),  # WH, ignoring case
        ({"name": "", "code": "X1"}, "name", ""),
        ({"name": "No code"}, "code", ""),
        ({"name": "Bad kind", "code": "X2", "kind": "garage"}, "kind", ""),
        ({"name": "Bad branch", "code": "X3", "branch": 999999}, "branch", ""),
        (
            {"name": "Off default", "code": "X4", "is_default": True, "is_active": False},
            "is_active",
            "must be active",
        ),
        ({"name": "Colour", "code": "X5", "colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_warehouses_are_400_with_the_field_and_nothing_is_written(
    sales_org, admin, body, field, words
):
    response = admin.post(WAREHOUSES, body)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert words in " ".join(errors[field])
    assert count_rows(sales_org, Location) == 1  # the main warehouse only


def test_recoding_a_warehouse_to_a_taken_code_is_refused(sales_org, admin, store):
    response = admin.patch(f"{WAREHOUSES}{store.pk}/", {"code": "Wh"})
    assert response.status_code == 400
    assert "WH" in " ".join(response.json()["errors"]["code"]) or "Wh" in " ".join(
        response.json()["errors"]["code"]
    )
    with schema_context(sales_org.schema):
        assert Location.objects.get(pk=store.pk).code == "SH-STORE"


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("warehouse_manager", 200, 201),
        ("salesperson", 200, 403),
        ("sales_manager", 200, 403),
        ("finance_manager", 200, 403),
        ("executive", 200, 403),
        ("dealer", 403, 403),
    ],
)
def test_who_reads_and_keeps_warehouses(sales_org, role, reads, writes):
    api = sales_org.api(role)
    assert api.get(WAREHOUSES).status_code == reads
    response = api.post(WAREHOUSES, {"name": f"By {role}", "code": f"R-{role[:10]}"})
    assert response.status_code == writes, response.json()
    assert count_rows(sales_org, Location) == (2 if writes == 201 else 1)


@pytest.mark.parametrize(
    ("role", "reads", "writes"),
    [
        ("warehouse_manager", 200, 201),
        ("finance_manager", 200, 403),
        ("executive", 200, 403),
        ("salesperson", 403, 403),
        ("dealer", 403, 403),
    ],
)
def test_who_reads_and_keeps_suppliers(sales_org, role, reads, writes):
    api = sales_org.api(role)
    assert api.get(SUPPLIERS).status_code == reads
    response = api.post(SUPPLIERS, {"name": f"Supplier of {role}"})
    assert response.status_code == writes, response.json()
    assert count_rows(sales_org, Supplier) == (1 if writes == 201 else 0)


def test_suppliers_are_added_changed_and_deactivated(sales_org, admin):
    made = admin.post(
        SUPPLIERS,
        {"name": "Ningbo Metalworks 宁波五金", "code": "NB-1", "email": "sales@nb.example"},
    )
    assert made.status_code == 201, made.json()
    path = f"{SUPPLIERS}{made.json()['id']}/"
    changed = admin.patch(path, {"contact_name": "Ms Li", "is_active": False})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["contact_name"], changed.json()["is_active"]) == ("Ms Li", False)
    assert admin.count(SUPPLIERS, is_active="false") == 1
    with schema_context(sales_org.schema):
        assert (
            AuditEntry.objects.filter(action__in=["supplier.created", "supplier.updated"]).count()
            == 2
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Same code", "code": "nb-1"}, "code"),
        ({"name": ""}, "name"),
        ({"name": "Mail", "email": "not-an-address"}, "email"),
        ({"name": 7}, "name"),
    ],
)
def test_bad_suppliers_are_400_and_nothing_is_written(sales_org, admin, body, field):
    with schema_context(sales_org.schema):
        md.supplier_create(actor=sales_org.owner, name="Ningbo", code="NB-1")
    response = admin.post(SUPPLIERS, body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert count_rows(sales_org, Supplier) == 1


def test_beta_never_reads_or_changes_alphas_warehouses_or_suppliers(sales_org, store, beta_admin):
    with schema_context(sales_org.schema):
        supplier = md.supplier_create(actor=sales_org.owner, name="Alpha-only supplier")
    for path, row in ((WAREHOUSES, store), (SUPPLIERS, supplier)):
        assert b"alpha-only" not in beta_admin.get(path).content.lower()
        assert b"SH-STORE" not in beta_admin.get(path).content
        assert beta_admin.get(f"{path}{row.pk}/").status_code == 404
        patched = beta_admin.patch(f"{path}{row.pk}/", {"name": "Taken over"})
        assert patched.status_code == 404
    with schema_context(sales_org.schema):
        assert Location.objects.get(pk=store.pk).name == "Shanghai store 上海门店"
        assert Supplier.objects.get(pk=supplier.pk).name == "Alpha-only supplier"


@pytest.mark.parametrize("path", [WAREHOUSES, SUPPLIERS])
def test_warehouse_and_supplier_lists_take_the_same_queries_for_one_row_and_many(
    sales_org, admin, path
):
    def grow():
        with schema_context(sales_org.schema):
            for index in range(6):
                md.location_create(actor=sales_org.owner, name=f"Depot {index}", code=f"D{index}")
                md.supplier_create(actor=sales_org.owner, name=f"Supplier {index}")

    with schema_context(sales_org.schema):
        md.supplier_create(actor=sales_org.owner, name="First supplier")
    assert_list_queries(lambda: admin.get(path), grow, queries=3, size=list_count)
