"""Shared steps of the organisation tests: placing people in the reporting chain
through the service, as an administrator does on the staff page."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tradepost.masterdata import services as md
from tradepost.masterdata.models import StaffProfile


def report_to(org, who, manager, *, branch=None):
    """Make `who` (a user) report to `manager` (a user or None) in `org`'s workspace."""
    with schema_context(org.schema):
        changes = {"manager": manager}
        if not StaffProfile.objects.filter(user=who).exists():
            changes["branch"] = branch or org.branches["east"]
        return md.staff_profile_update(actor=org.owner, user=who, **changes)


def manager_of(org, who):
    with schema_context(org.schema):
        return StaffProfile.objects.filter(user=who).values_list("manager_id", flat=True).first()
