"""`POST /api/v1/contacts/` on its fast path: a pinned, small number of queries, and an
answer built from the row just written that is exactly what reading the contact back
gives; the code made from the id still steps aside for a code typed by hand."""

from __future__ import annotations

import uuid

import pytest
from django_tenants.utils import schema_context

from tradepost.customers import services
from tradepost.customers.models import Contact

# Of an idempotent create by an administrator's key, in the test's transaction (caches
# warm, as on a running server): 3 savepoints with their releases (the request's, the
# service's, the insert's), the search_path, and the 8 below.
CREATE_QUERIES = 15
# What touches rows: the idempotency lock and lookup, the customer (in the caller's
# scope), the new id with whether its code is taken, the contact, its search document
# (global search, in the same transaction), the audit entry, the idempotency record.
# An every-customer key needs no second visibility check, a contact that is not
# primary no lock on its customer, and the answer no re-read.
CREATE_ROW_QUERIES = 8


@pytest.fixture
def admin(org, api_key, api_client):
    return api_client(org.workspace, api_key(org.workspace))


def _create(client, customer, **fields):
    body = {"customer": customer.pk, "name": f"Contact {uuid.uuid4().hex[:6]} 联系人", **fields}
    return client.post("/api/v1/contacts/", body, idempotency_key=uuid.uuid4().hex)


def test_a_contact_create_runs_a_few_pinned_queries(org, admin, django_assert_num_queries):
    customer = org.customers["rep_own"]
    assert _create(admin, customer).status_code == 201  # fills the caches

    with django_assert_num_queries(CREATE_QUERIES) as captured:
        response = _create(admin, customer, email="buyer@example.com")

    assert response.status_code == 201, response.json()
    row_queries = [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "SET search_path"))
    ]
    assert len(row_queries) == CREATE_ROW_QUERIES, "\n".join(q[:90] for q in row_queries)


def test_the_create_answer_is_what_reading_the_contact_gives(org, admin):
    created = _create(
        admin,
        org.customers["rep_own"],
        title=" Buyer ",
        phone="+86 21 5555 0101",
        email="li.mei@example.com",
        is_primary=True,
        notes="Prefers WeChat 微信",
    )

    assert created.status_code == 201, created.json()
    read = admin.get(f"/api/v1/contacts/{created.json()['id']}/")
    assert created.content == read.content
    assert created.json()["is_primary"] is True


def test_a_made_code_taken_by_a_typed_one_gets_a_suffix(org):
    with schema_context(org.workspace.schema):
        customer = org.customers["rep_own"]
        first = services.contact_create(actor=org.owner, customer=customer, name="First")
        # Someone typed the code the next contact's id will make.
        services.contact_create(
            actor=org.owner, customer=customer, name="Typed", code=f"p{first.pk + 2:06d}"
        )

        made = services.contact_create(actor=org.owner, customer=customer, name="Made")

        assert made.pk == first.pk + 2
        assert made.code == f"P{made.pk:06d}-1"
        assert Contact.objects.filter(code__iexact=f"P{made.pk:06d}").count() == 1
