"""The demo's targets: the company, the branches, each salesperson and the top-level
categories, one adjusted — set once, and their completion counts the demo's orders."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.demo import seed_sales_menu
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.plans import selectors
from tradepost.plans.demo import seed_demo
from tradepost.plans.models import SalesTarget, TargetAdjustment


def test_the_demo_sets_targets_once_and_they_show_completion(alpha, make_user):
    make_user(alpha, "salesperson")
    with schema_context(alpha.schema):
        owner = User.objects.get(email=alpha.owner_email)
        seed_masterdata(actor=owner)
        seed_customers(actor=owner)
        seed_sales_menu(actor=owner)  # runs the targets seed last
        count = SalesTarget.objects.count()
        assert seed_demo(actor=owner) == 0
        assert SalesTarget.objects.count() == count

        dimensions = set(SalesTarget.objects.values_list("dimension", flat=True))
        assert dimensions == {"company", "branch", "salesperson", "category"}
        assert TargetAdjustment.objects.count() == 1
        month = timezone.localdate().replace(day=1)
        company = SalesTarget.objects.get(dimension="company", period_kind="month")
        assert company.period_start == month and company.amount == 320000
        figures = selectors.completion([company], today=timezone.localdate())
        assert figures[company.pk].actual_amount > 0  # the demo's orders of this month
