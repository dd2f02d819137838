"""Validation errors of nested input keep the one error shape: `errors` maps a path
(`lines[0].quantity`, `address.city`, `lines[1]`) to plain-text messages, never to a
Python repr of DRF's nested error structures."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django_tenants.utils import schema_context
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from api.errors import exception_handler
from tradepost.pricing.models import Promotion
from tradepost.sales.models import Order


@pytest.fixture
def admin(sales_org, api_key, api_client):  # noqa: F811
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


def _order(org, lines):
    return {
        "customer": org.customers["rep_own"].pk,
        "lines": lines,
        "requested_delivery_date": "2099-01-10",
    }


def _assert_plain(body: dict) -> None:
    """Every message is a plain string a person can read."""
    assert body["code"] == "invalid"
    for key, messages in body["errors"].items():
        assert isinstance(key, str)
        assert messages and all(isinstance(message, str) for message in messages), body
    assert "ErrorDetail" not in json.dumps(body)
    assert "{" not in "".join(m for ms in body["errors"].values() for m in ms), body


def test_a_bad_line_quantity_is_named_by_its_path(sales_org, admin):  # noqa: F811
    lines = [{"product": sales_org.products["kettle"].pk, "quantity": "abc"}]

    response = admin.post("/api/v1/orders/", _order(sales_org, lines))

    assert response.status_code == 400
    body = response.json()
    _assert_plain(body)
    assert list(body["errors"]) == ["lines[0].quantity"]
    assert body["errors"]["lines[0].quantity"] == ["A valid number is required."]
    with schema_context(sales_org.workspace.schema):
        assert Order.objects.count() == 0


def test_only_the_bad_lines_and_fields_are_named(sales_org, admin):  # noqa: F811
    kettle = sales_org.products["kettle"].pk
    lines = [
        {"product": kettle, "quantity": "1"},
        {"product": kettle, "quantity": "1", "colour": "red"},
        {"quantity": "2", "discount_percent": "x"},
    ]

    response = admin.post("/api/v1/orders/", _order(sales_org, lines))

    assert response.status_code == 400
    body = response.json()
    _assert_plain(body)
    assert set(body["errors"]) == {
        "lines[1].colour",
        "lines[2].product",
        "lines[2].discount_percent",
    }
    assert body["errors"]["lines[1].colour"] == ["Unknown field."]


def test_a_bad_item_of_a_list_field_is_named_by_its_index(sales_org, admin):  # noqa: F811
    body = {"name": "Spring", "kind": "percent", "percent": "5", "channels": ["direct", "moon"]}

    response = admin.post("/api/v1/promotions/", body)

    assert response.status_code == 400
    payload = response.json()
    _assert_plain(payload)
    assert "channels[1]" in payload["errors"], payload
    assert "moon" in payload["errors"]["channels[1]"][0]
    with schema_context(sales_org.workspace.schema):
        assert Promotion.objects.count() == 0


# --- The handler on its own: shapes no endpoint sends today ----------------------------
class _Address(serializers.Serializer):
    city = serializers.CharField()
    postcode = serializers.CharField(max_length=3)

    def validate(self, attrs):
        raise serializers.ValidationError("This address is not delivered to.")


class _Line(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)


class _Nested(serializers.Serializer):
    address = _Address()
    lines = _Line(many=True)
    tags = serializers.DictField(child=serializers.IntegerField())


def _handled(exc) -> dict:
    request = APIRequestFactory().post("/")
    response = exception_handler(exc, {"request": request, "view": None})
    return response.data


def _serializer_errors(data) -> serializers.ValidationError:
    serializer = _Nested(data=data)
    assert not serializer.is_valid()
    return serializers.ValidationError(serializer.errors)


def test_nested_objects_dicts_and_their_own_errors_are_flattened():
    exc = _serializer_errors(
        {
            "address": {"city": "", "postcode": "1234"},
            "lines": [{"quantity": 2}, {"quantity": 0}],
            "tags": {"red": "x"},
        }
    )

    body = _handled(exc)

    assert body["errors"] == {
        "address.city": ["This field may not be blank."],
        "address.postcode": ["Ensure this field has no more than 3 characters."],
        "lines[1].quantity": ["Ensure this value is greater than or equal to 1."],
        "tags.red": ["A valid integer is required."],
    }


def test_a_nested_objects_own_error_is_filed_under_its_path():
    exc = _serializer_errors({"address": {"city": "Oslo", "postcode": "1"}, "lines": []})

    body = _handled(exc)

    assert body["errors"] == {
        "address": ["This address is not delivered to."],
        "tags": ["This field is required."],
    }


def test_django_validation_errors_keep_the_shape():
    whole = _handled(DjangoValidationError({"__all__": ["Not today."], "name": ["Too long."]}))
    plain = _handled(DjangoValidationError(["One.", "Two."]))

    assert whole["errors"] == {"non_field_errors": ["Not today."], "name": ["Too long."]}
    assert plain["errors"] == {"non_field_errors": ["One.", "Two."]}
