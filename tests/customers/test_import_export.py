"""Customers and contacts in CSV and Excel, from the page and the API, under the same
rules as the services: scope, finance fields, one primary contact."""

from __future__ import annotations

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from tradepost.audit.models import AuditEntry
from tradepost.customers import services
from tradepost.customers.models import Contact, Customer


def _csv(rows: list[list[str]], name: str = "customers.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), "text/csv")


def _import(client, resource: str, upload, dry_run: bool = False):
    data = {"file": upload}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(f"/data/{resource}/import/", data)


def test_a_salesperson_imports_new_customers_as_their_own(org):
    upload = _csv(
        [
            ["客户编码", "客户名称", "渠道", "标签"][:3] + ["phone"],
            ["IMP-1", "温州瓯江贸易有限公司 Wenzhou Oujiang Trading", "dealer", "0577-1"],
            ["IMP-2", "嘉兴南湖百货 Jiaxing Nanhu", "Store", ""],
        ]
    )

    response = _import(org.client("salesperson"), "customers", upload)

    assert response.status_code == 302, response.content.decode()
    with schema_context(org.workspace.schema):
        imported = Customer.objects.filter(code__startswith="IMP").order_by("code")
        assert [(c.channel, c.owner_id, c.branch_id) for c in imported] == [
            ("dealer", org.users["salesperson"].pk, org.branches["shanghai"].pk),
            ("store", org.users["salesperson"].pk, org.branches["shanghai"].pk),
        ]
        assert AuditEntry.objects.filter(action="customer.imported").count() == 1


def test_an_import_refuses_rows_that_break_the_rules_and_writes_nothing(org):
    upload = _csv(
        [
            ["code", "name", "owner", "credit_limit", "referred_by"],
            ["OK-1", "Fine", "", "", ""],  # empty owner: nobody would see it
            ["OK-2", "Fine too", "salesperson@alpha.test", "5000", ""],  # finance only
            ["BJ-1", "Hidden one", "salesperson@alpha.test", "", ""],  # exists, not theirs
            ["OK-3", "Fine three", "salesperson@alpha.test", "", "BJ-1"],  # unknown referrer
            ["OK-4", "Fine four", "nobody@alpha.test", "", ""],
        ]
    )

    response = _import(org.client("salesperson"), "customers", upload)

    assert response.status_code == 400
    body = response.content.decode()
    assert "no longer see" in body
    assert "Only finance can set credit limits" in body
    assert "you may not change it" in body
    assert "No customer with the code" in body
    assert "No user you may choose" in body
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(code__startswith="OK-").exists()
        assert Customer.objects.get(code="BJ-1").name == org.customers["north"].name


def test_an_import_names_only_owners_the_importer_could_choose(org):
    # The East manager's row stays in scope by its branch, yet its salesperson works in
    # Beijing: refused, in the same words as an e-mail nobody has.
    rows = [
        ["code", "name", "branch", "owner"],
        ["EO-1", "East Outpost", "E", "north@alpha.test"],
        ["EO-2", "East Ghost", "E", "ghost@alpha.test"],
    ]
    response = _import(org.client("sales_manager"), "customers", _csv(rows))

    assert response.status_code == 400
    body = response.content.decode()
    assert "No user you may choose has the e-mail “north@alpha.test”" in body
    assert "No user you may choose has the e-mail “ghost@alpha.test”" in body
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(code__startswith="EO-").exists()

    team = [
        ["code", "name", "branch", "owner"],
        ["EO-3", "East Team", "E", "salesperson@alpha.test"],
    ]
    assert _import(org.client("sales_manager"), "customers", _csv(team)).status_code == 302
    with schema_context(org.workspace.schema):
        assert Customer.objects.get(code="EO-3").owner_id == org.users["salesperson"].pk


def test_a_known_code_updates_the_customer_in_any_case(org):
    upload = _csv([["code", "name", "phone"], ["sh-1", "Mingda Trading 明达贸易", "021-1234"]])

    response = _import(org.client("salesperson"), "customers", upload)

    assert response.status_code == 302
    with schema_context(org.workspace.schema):
        customer = Customer.objects.get(pk=org.customers["rep_own"].pk)
        assert customer.phone == "021-1234"
        assert Customer.objects.count() == 5


def test_an_excel_export_imports_back_unchanged(org):
    client = org.client("owner")
    exported = client.get("/data/customers/export/?format=xlsx")
    assert exported.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("code", "name", "channel")
    assert {row[0] for row in rows[1:]} == {c.code for c in org.customers.values()}

    upload = SimpleUploadedFile(
        "customers.xlsx",
        b"".join(client.get("/data/customers/export/?format=xlsx").streaming_content),
    )
    response = client.post("/api/v1/customers/import/", {"file": upload})

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (0, 5)


def test_the_api_import_checks_without_writing_on_a_dry_run(org, api_key, api_client):
    client = api_client(org.workspace, api_key(org.workspace, "customer_information_manager"))
    upload = _csv([["code", "name"], ["NEW-1", "New 新"], ["", "No code"]])

    bad = client.post("/api/v1/customers/import/?dry_run=true", {"file": upload})
    good = client.post(
        "/api/v1/customers/import/?dry_run=true", {"file": _csv([["code", "name"], ["N-1", "N"]])}
    )

    assert bad.status_code == 400
    assert bad.json()["report"]["errors"][0]["row"] == 3
    assert good.status_code == 200
    assert good.json()["created"] == 1 and good.json()["applied"] is False
    with schema_context(org.workspace.schema):
        assert not Customer.objects.filter(code__in=["NEW-1", "N-1"]).exists()


def test_finance_cannot_import_customers(org):
    response = _import(org.client("finance_manager"), "customers", _csv([["code", "name"]]))

    assert response.status_code == 403


def test_contacts_import_to_the_importers_customers(org):
    with schema_context(org.workspace.schema):
        services.contact_create(
            actor=org.owner,
            customer=org.customers["rep_own"],
            name="Old primary",
            code="P-OLD",
            is_primary=True,
        )
    client = org.client("salesperson")
    clash = _csv(
        [
            ["code", "customer", "name", "mobile", "is_primary"],
            ["P-1", "SH-1", "王建国", "138", "yes"],
            ["P-2", "BJ-1", "Someone", "", ""],
        ],
        "contacts.csv",
    )
    fine = _csv(
        [
            ["联系人编码", "客户编码", "姓名", "主联系人"],
            ["P-1", "sh-1", "王建国", "是"],
            ["P-OLD", "SH-1", "Old primary", "否"],
        ],
        "contacts.csv",
    )

    refused = _import(client, "contacts", clash)
    imported = _import(client, "contacts", fine)

    assert refused.status_code == 400
    assert "P-OLD is this customer" in refused.content.decode()
    assert "No customer with the code" in refused.content.decode()
    assert imported.status_code == 302
    with schema_context(org.workspace.schema):
        primary = Contact.objects.get(customer=org.customers["rep_own"], is_primary=True)
        assert primary.name == "王建国"


def test_contacts_export_holds_only_the_scope(org):
    with schema_context(org.workspace.schema):
        services.contact_create(actor=org.owner, customer=org.customers["rep_own"], name="Mine")
        services.contact_create(actor=org.owner, customer=org.customers["north"], name="Theirs")

    response = org.client("salesperson").get("/api/v1/contacts/export/?format=csv")

    content = b"".join(response.streaming_content).decode("utf-8-sig")
    names = [row["name"] for row in csv.DictReader(io.StringIO(content))]
    assert names == ["Mine"]
