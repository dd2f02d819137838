"""Fixtures of the inventory API tests: the sales organisation (`sales_org`: kettle,
toaster and lamp with 1000 each in the main warehouse, code WH), an administrator's
key on it, a second warehouse, and helpers that make documents through the services
as the warehouse would."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tradepost.masterdata import services as md
from tradepost.masterdata.models import Location


@pytest.fixture
def admin(sales_org, api_key, api_client):
    return api_client(sales_org.workspace, api_key(sales_org.workspace))


@pytest.fixture
def beta_admin(beta, api_key, api_client):
    """Beta's administrator: a workspace of its own, with nothing of alpha's."""
    return api_client(beta, api_key(beta))


@pytest.fixture
def wh(sales_org) -> Location:
    with schema_context(sales_org.schema):
        return Location.objects.get(code="WH")


@pytest.fixture
def store(sales_org) -> Location:
    """A second location: the Shanghai store."""
    with schema_context(sales_org.schema):
        return md.location_create(
            actor=sales_org.owner,
            name="Shanghai store 上海门店",
            code="SH-STORE",
            kind="store",
            branch=sales_org.branches["shanghai"],
        )
