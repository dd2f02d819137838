"""Setting, adjusting and removing targets: the period and dimension rules, one target
per object and period, the kept history of adjustments (with their audit entries),
and who may set which targets."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from tests.plans.conftest import NOV, Q4, D, target
from tradepost.audit.models import AuditEntry
from tradepost.plans import services
from tradepost.plans.models import SalesTarget, TargetAdjustment
from tradepost.plans.periods import period_parse


def test_periods_are_written_as_a_month_a_quarter_or_a_year():
    assert period_parse("2026-12") == ("month", datetime.date(2026, 12, 1))
    assert period_parse("2026-q4") == ("quarter", datetime.date(2026, 10, 1))
    assert period_parse(" 2026 ") == ("year", datetime.date(2026, 1, 1))
    for bad in ("2026-13", "2026-Q5", "26-12", "December", ""):
        with pytest.raises(ValidationError):
            period_parse(bad)


def test_a_target_starts_on_its_periods_first_day_and_names_one_object(sales_org):
    org = sales_org
    b = org.branches
    with pytest.raises(ValidationError) as mid_month:
        target(org, start=datetime.date(2026, 11, 15))
    assert "period_start" in mid_month.value.message_dict
    with pytest.raises(ValidationError):  # a quarter starts in Jan, Apr, Jul or Oct
        target(org, kind="quarter", start=NOV)
    with pytest.raises(ValidationError) as missing:
        target(org, dimension="branch")
    assert "branch" in missing.value.message_dict
    with pytest.raises(ValidationError) as two:
        target(org, dimension="branch", branch=b["east"], region=org.regions["east_china"])
    assert "region" in two.value.message_dict
    with pytest.raises(ValidationError) as negative:
        target(org, amount="-1.00")
    assert "amount" in negative.value.message_dict
    target(org, dimension="branch", branch=b["east"])
    with pytest.raises(ValidationError) as again:
        target(org, dimension="branch", branch=b["east"], amount="5.00")
    assert "adjust" in again.value.messages[0]
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 1
        # The database keeps the rules too.
        with pytest.raises(IntegrityError), transaction.atomic():
            SalesTarget.objects.create(
                period_kind="month", period_start=NOV, dimension="company", branch=b["east"]
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            SalesTarget.objects.create(period_kind="year", period_start=Q4, dimension="company")


def test_adjustments_keep_the_history_and_need_a_reason(sales_org):
    org = sales_org
    made = target(org, amount="1000.00", quantity="10")
    manager = org.users["executive"]
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as no_reason:
            services.target_adjust(
                actor=manager, target=made, amount=D("1200.00"), quantity=D("10"), reason="  "
            )
        assert "reason" in no_reason.value.message_dict
        with pytest.raises(ValidationError):  # nothing changes
            services.target_adjust(
                actor=manager, target=made, amount=D("1000.00"), quantity=D("10"), reason="Same"
            )
        services.target_adjust(
            actor=manager, target=made, amount=D("1200.00"), quantity=D("10"), reason="Price rise"
        )
        services.target_adjust(
            actor=org.owner, target=made, amount=D("1100.00"), quantity=None, reason="Q cut"
        )
        made.refresh_from_db()
        assert (made.amount, made.quantity) == (D("1100.00"), None)
        history = list(
            TargetAdjustment.objects.filter(target=made)
            .order_by("pk")
            .values_list("old_amount", "new_amount", "old_quantity", "new_quantity", "reason")
        )
        assert history == [
            (D("1000.00"), D("1200.00"), D("10"), D("10"), "Price rise"),
            (D("1200.00"), D("1100.00"), D("10"), None, "Q cut"),
        ]
        actions = list(
            AuditEntry.objects.filter(target_id=str(made.pk), target_type="plans.salestarget")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == ["sales_target.created", "sales_target.adjusted", "sales_target.adjusted"]
        # A target with a history stays; a fresh one may go.
        with pytest.raises(ValidationError):
            services.target_delete(actor=org.owner, target=made)
        fresh = services.target_create(
            actor=org.owner,
            period_kind="year",
            period_start=datetime.date(2026, 1, 1),
            dimension="company",
            amount=D("9.00"),
        )
        services.target_delete(actor=org.owner, target=fresh)
        assert not SalesTarget.objects.filter(pk=fresh.pk).exists()


def test_a_sales_manager_sets_targets_for_their_subtrees_and_people_only(sales_org):
    org = sales_org
    b, r = org.branches, org.regions
    # The East manager: East's branches, 华东's regions, the Shanghai salesperson.
    target(org, "sales_manager", dimension="branch", branch=b["shanghai"])
    target(org, "sales_manager", dimension="region", region=r["shanghai"])
    target(org, "sales_manager", dimension="salesperson", salesperson=org.users["salesperson"])
    refused = [
        {"dimension": "branch", "branch": b["beijing"]},
        {"dimension": "region", "region": r["north_china"]},
        {"dimension": "salesperson", "salesperson": org.users["north_rep"]},
        {"dimension": "category", "category": org.categories["kitchen"]},
        {"dimension": "company"},
    ]
    for objects in refused:
        with pytest.raises(ValidationError):
            target(org, "sales_manager", **objects)
    for who in ("salesperson", "finance_manager", "dealer", "warehouse_manager"):
        with pytest.raises(PermissionDenied):
            target(org, who, dimension="salesperson", salesperson=org.users["salesperson"])
    north = target(org, dimension="branch", branch=b["north"])
    with schema_context(org.schema), pytest.raises(ValidationError):
        services.target_adjust(
            actor=org.users["sales_manager"],
            target=north,
            amount=D("1.00"),
            quantity=None,
            reason="Not mine",
        )
    with schema_context(org.schema):
        assert SalesTarget.objects.count() == 4
