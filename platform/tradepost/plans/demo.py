"""Demo targets: this month and this quarter for the company, this month for the head
office and the branches under it, each salesperson and each top-level product category — set
through the services (so the audit log reads right), with one adjusted, so completion
bars, forecasts, child targets and an adjustment history all show something.

Idempotent: nothing when the workspace has any target."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.masterdata.models import Branch, ProductCategory
from tradepost.plans import services
from tradepost.plans.models import SalesTarget

D = SalesTarget.Dimension
P = SalesTarget.PeriodKind


@transaction.atomic
def seed_demo(*, actor: User) -> int:
    """Set the demo's targets; returns how many were set."""
    if SalesTarget.objects.exists():
        return 0
    today = timezone.localdate()
    month = today.replace(day=1)
    quarter = datetime.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    made = [
        services.target_create(
            actor=actor,
            period_kind=P.MONTH,
            period_start=month,
            dimension=D.COMPANY,
            amount=Decimal("300000"),
        ),
        services.target_create(
            actor=actor,
            period_kind=P.QUARTER,
            period_start=quarter,
            dimension=D.COMPANY,
            amount=Decimal("900000"),
        ),
    ]
    branches = Branch.objects.filter(depth__lte=2).order_by("path")[:4]
    for index, branch in enumerate(branches):
        made.append(
            services.target_create(
                actor=actor,
                period_kind=P.MONTH,
                period_start=month,
                dimension=D.BRANCH,
                branch=branch,
                amount=Decimal(300000 if index == 0 else 90000),
            )
        )
    salespeople = User.objects.filter(
        groups__name__in=[Role.SALESPERSON.value, Role.SALES_MANAGER.value], is_active=True
    ).order_by("pk")
    for person in salespeople[:5]:
        made.append(
            services.target_create(
                actor=actor,
                period_kind=P.MONTH,
                period_start=month,
                dimension=D.SALESPERSON,
                salesperson=person,
                amount=Decimal("50000"),
                quantity=Decimal("200"),
            )
        )
    for category in ProductCategory.objects.filter(depth=1).order_by("path")[:3]:
        made.append(
            services.target_create(
                actor=actor,
                period_kind=P.MONTH,
                period_start=month,
                dimension=D.CATEGORY,
                category=category,
                amount=Decimal("80000"),
            )
        )
    services.target_adjust(
        actor=actor,
        target=made[0],
        amount=Decimal("320000"),
        quantity=None,
        reason="New dealer signed 新签经销商",
    )
    return len(made)
