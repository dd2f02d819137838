"""The OpenAPI schema is generated without a warning and without the database.

drf-spectacular's deploy check (part of `manage.py check --deploy`) generates the schema
and reports every warning: a view that reads the database while the schema is built
(there is no workspace, and in a deployment check no database either), a filter whose
type it has to guess, an enum name it has to make up. These tests run the generator
with database access blocked (no `db` fixture) and read what API users see in the
document: every parameter typed, every enum named after its meaning.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.checks import schema_check
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture
def generation_stats():
    """drf-spectacular keeps its warnings for the whole process: start from none."""
    GENERATOR_STATS.reset()
    yield GENERATOR_STATS
    GENERATOR_STATS.reset()


@pytest.fixture
def document(generation_stats) -> dict:
    with generation_stats.silence():
        return SchemaGenerator().get_schema(request=None, public=True)


def _query_parameters(document: dict, path: str) -> dict[str, dict]:
    operation = document["paths"][path]["get"]
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def test_the_deploy_check_generates_the_schema_and_finds_nothing(generation_stats):
    """The check is on (nothing switches it off) and has nothing to say, although any
    database query here fails: pytest-django blocks it."""
    from drf_spectacular.settings import spectacular_settings

    assert spectacular_settings.ENABLE_DJANGO_DEPLOY_CHECK
    messages = schema_check(None)

    assert [message.msg for message in messages] == []
    assert not generation_stats._warn_cache
    assert not generation_stats._error_cache


def test_opportunities_are_documented_without_reading_the_database(document):
    """Their queryset is built from the workspace's stage probabilities: the schema
    must not need them, or it loses the filters and the id type."""
    parameters = _query_parameters(document, "/api/v1/opportunities/")

    assert {"customer", "owner", "stage", "is_open", "currency", "updated_since"} <= set(parameters)
    assert parameters["stage"]["schema"]["enum"] == sorted(
        ["prospect", "interest", "diagnosis", "vision", "proposal", "negotiation", "won", "lost"]
    )
    path_id = document["paths"]["/api/v1/opportunities/{id}/"]["get"]["parameters"][0]
    assert (path_id["name"], path_id["schema"]["type"]) == ("id", "integer")


def test_the_promotion_product_filter_takes_a_product_id(document):
    product = _query_parameters(document, "/api/v1/promotions/")["product"]

    assert product["schema"]["type"] == "integer"
    assert "may apply to this product" in product["description"]


def test_every_enum_is_named_after_its_meaning(document):
    schemas = document["components"]["schemas"]
    enums = {name: schema["enum"] for name, schema in schemas.items() if "enum" in schema}

    # drf-spectacular's fallback names: a hash suffix ("StatusA55Enum"), or the plural
    # of a list field for a set that already has a name.
    assert [name for name in enums if re.search(r"[0-9]", name)] == []
    assert "ChannelsEnum" not in enums
    assert enums["OrderStatusEnum"][:3] == ["draft", "submitted", "approved"]
    assert enums["QuoteStatusEnum"][:2] == ["draft", "sent"]
    assert enums["PromotionKindEnum"] == [
        "percent_off",
        "amount_off",
        "buy_x_get_y",
        "tiered_price",
    ]
    assert enums["OpportunityStageEnum"][-2:] == ["won", "lost"]
    assert "won" not in enums["OpportunityCreateStageEnum"]
    # One choice set, one name: customers and promotions share the channels.
    channel = {"$ref": "#/components/schemas/ChannelEnum"}
    assert schemas["Customer"]["properties"]["channel"]["allOf"] == [channel]
    assert schemas["Promotion"]["properties"]["channels"]["items"] == channel
