"""Credit ratings and dealer reports are only ever added: a PATCH is refused with 405
and changes nothing (it used to fail inside the server)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.customers import credit
from tradepost.customers.models import CreditRating


def test_a_credit_rating_cannot_be_changed_through_the_api(org, api_key, api_client):
    admin = api_client(org.workspace, api_key(org.workspace))
    rated = admin.post(
        "/api/v1/credit-ratings/",
        {"customer": org.customers["dealer"].pk, **dict.fromkeys(credit.FACTORS, 4)},
        content_type="application/json",
    ).json()

    response = admin.patch(
        f"/api/v1/credit-ratings/{rated['id']}/",
        {"comment": "changed"},
        content_type="application/json",
    )

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    with schema_context(org.workspace.schema):
        assert CreditRating.objects.get(pk=rated["id"]).comment == ""
