"""Names and other text fields refuse invisible control characters, on every door.

The rule lives in one place (tradepost.text, hooked into every form and serializer
text field); these tests knock on a few representative doors: a model-built API
serializer, a declared serializer, a hand-written form, the sign-up form, API and
service. Multi-line text (notes, addresses) still takes line breaks and tabs.
"""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from api.models import ApiKey
from tenants.models import Tenant
from tenants.services import SignupError, tenant_signup
from tests.conftest import PASSWORD
from tradepost.customers.models import Customer

BAD_NAMES = [
    pytest.param("Acme\r\nBcc: victim@example.com", id="crlf"),
    pytest.param("Acme\nTrading", id="lf"),
    pytest.param("Acme\x00Trading", id="nul"),
    pytest.param("Acme \u202eevil.exe", id="bidi-override"),
    pytest.param("Acme \u2066Trading\u2069", id="bidi-isolate"),
    pytest.param("Acme\x1bTrading", id="escape"),
    pytest.param("Acme\x85Trading", id="c1-next-line"),
]
SINGLE_LINE_ERROR = "it takes one line of plain text"
SIGNUP = {
    "company_name": "Gamma Supplies",
    "slug": "gamma",
    "owner_email": "boss@gamma.test",
    "password": PASSWORD,
}


def _customers(workspace, **filters) -> int:
    with schema_context(workspace.schema):
        return Customer.objects.filter(**filters).count()


@pytest.fixture
def admin_api(alpha, api_key, api_client):
    return api_client(alpha, api_key(alpha))


# --- The API ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", BAD_NAMES)
def test_the_api_refuses_a_name_with_control_characters(alpha, admin_api, name):
    before = _customers(alpha)

    response = admin_api.post("/api/v1/customers/", {"name": name}, content_type="application/json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["errors"]) == ["name"]
    assert any(SINGLE_LINE_ERROR in message for message in body["errors"]["name"])
    assert _customers(alpha) == before


def test_the_api_takes_multi_line_notes_but_not_hidden_characters(alpha, admin_api):
    notes = "Delivery via the back gate.\r\nCall first:\t021-5555 0100\n"
    created = admin_api.post(
        "/api/v1/customers/",
        {"name": "Multi-line Ltd", "notes": notes, "address": "1 Road\nShanghai"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    with schema_context(alpha.schema):
        customer = Customer.objects.get(pk=created.json()["id"])
    assert "\r\nCall first:\t021" in customer.notes
    assert customer.address == "1 Road\nShanghai"

    refused = admin_api.post(
        "/api/v1/customers/",
        {"name": "Hidden Ltd", "notes": "fine\n\u202eenif"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["notes"]
    assert _customers(alpha, name="Hidden Ltd") == 0


def test_a_declared_serializer_field_refuses_control_characters_too(alpha, admin_api):
    # `name` of POST /api-keys is declared on a plain Serializer, not built from a model.
    with schema_context(alpha.schema):
        before = ApiKey.objects.count()

    response = admin_api.post(
        "/api/v1/api-keys/",
        {"name": "ERP\r\nX-Injected: 1", "role": "salesperson"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]
    with schema_context(alpha.schema):
        assert ApiKey.objects.count() == before


# --- Forms -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", BAD_NAMES[:4])
def test_a_form_refuses_a_name_with_control_characters(alpha, name):
    before = _customers(alpha)

    response = alpha.client(alpha.owner()).post(
        "/customers/new/", {"name": name, "channel": "direct", "currency": "CNY"}
    )

    assert response.status_code == 400
    assert SINGLE_LINE_ERROR in response.content.decode()
    assert _customers(alpha) == before


def test_a_form_takes_multi_line_notes(alpha):
    response = alpha.client(alpha.owner()).post(
        "/customers/new/",
        {
            "name": "Form Notes Ltd",
            "channel": "direct",
            "currency": "CNY",
            "notes": "line one\r\n\tline two",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context(alpha.schema):
        assert Customer.objects.get(name="Form Notes Ltd").notes == "line one\r\n\tline two"


def test_a_form_refuses_hidden_characters_in_multi_line_notes(alpha):
    response = alpha.client(alpha.owner()).post(
        "/customers/new/",
        {"name": "Nul Notes Ltd", "channel": "direct", "currency": "CNY", "notes": "a\x00b"},
    )

    assert response.status_code == 400
    assert "invisible control characters" in response.content.decode()
    assert _customers(alpha, name="Nul Notes Ltd") == 0


# --- Sign-up: the company name goes into every invitation's e-mail subject -------------
def _no_workspace_written() -> None:
    assert not Tenant.objects.filter(slug="gamma").exists()


def test_signup_api_refuses_a_company_name_with_a_line_break(public_client):
    response = public_client.post(
        "/api/v1/signup",
        {**SIGNUP, "company_name": "Gamma\r\nBcc: victim@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["company_name"]
    _no_workspace_written()


def test_signup_form_refuses_a_company_name_with_a_bidi_override(public_client):
    response = public_client.post("/signup/", {**SIGNUP, "company_name": "Gamma \u202eevil"})

    assert response.status_code == 400
    assert SINGLE_LINE_ERROR in response.content.decode()
    _no_workspace_written()


@pytest.mark.parametrize("company_name", BAD_NAMES)
def test_the_signup_service_refuses_raw_control_characters(public_client, company_name):
    # Callers that skip forms and serializers (scripts, the CLI) meet the same rule.
    with pytest.raises(SignupError) as refused:
        tenant_signup(**{**SIGNUP, "company_name": company_name})

    assert any(SINGLE_LINE_ERROR in m for m in refused.value.message_dict["company_name"])
    _no_workspace_written()


@pytest.mark.django_db
@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_key_made_on_the_command_line_refuses_a_name_with_control_characters(alpha, name):
    from django.core.exceptions import ValidationError

    from api.keys import api_key_create

    with schema_context(alpha.schema):
        before = ApiKey.objects.count()
        with pytest.raises(ValidationError) as refused:
            api_key_create(actor=None, name=name, role="salesperson")
        assert SINGLE_LINE_ERROR in str(refused.value.message_dict["name"])
        assert ApiKey.objects.count() == before
