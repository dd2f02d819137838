"""An opportunity's page shows where it stands: the open stages in order, then won,
with its stage current; a lost one shows "Lost" after the stages."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from tests.support import factories
from tradepost.pipeline import services

pytestmark = pytest.mark.django_db


def _steps(page: str) -> list[tuple[str, str]]:
    stepper = re.search(r'<ol class="stepper".*?</ol>', page, re.S)
    assert stepper, "no stepper on the page"
    return re.findall(r'<li class="step-(\w+)"[^>]*>([^<]+)</li>', stepper.group(0))


def test_the_stepper_follows_the_stage(sales_org):
    opportunity = factories.opportunity(sales_org, stage="diagnosis")
    rep = sales_org.client("salesperson")

    steps = _steps(rep.get(f"/sales/pipeline/{opportunity.pk}/").content.decode())

    assert [label for _state, label in steps] == [
        "Prospect",
        "Interest",
        "Diagnosis",
        "Vision",
        "Proposal",
        "Negotiation",
        "Won",
    ]
    assert [state for state, _label in steps[:4]] == ["done", "done", "current", "todo"]

    with schema_context(sales_org.schema):
        services.opportunity_move(
            actor=sales_org.owner, opportunity=opportunity, stage="lost", reason="Price"
        )
    lost = _steps(rep.get(f"/sales/pipeline/{opportunity.pk}/").content.decode())
    assert lost[-1] == ("off", "Lost") and len(lost) == 8
