"""The rules: every workspace starts with one rule per kind, on, with its defaults;
administrators and executives change them within each kind's bounds."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from tests.alerts.conftest import rule
from tradepost.alerts import services
from tradepost.alerts.kinds import SPECS
from tradepost.alerts.models import AlertRule
from tradepost.audit.models import AuditEntry


def test_a_new_workspace_has_every_rule_on_with_its_defaults(alpha):
    with schema_context(alpha.schema):
        rules = {r.kind: r for r in AlertRule.objects.all()}

    assert set(rules) == set(SPECS)
    assert all(r.enabled for r in rules.values())
    assert rules["large_discount"].threshold == Decimal("20")
    assert rules["review_waiting"].threshold == Decimal("24")
    assert rules["stock_low"].check_every_hours == 1
    assert rules["order_submitted"].check_every_hours is None
    # Scheduled rules are waiting for their first check.
    assert all(r.next_run_at is not None for r in rules.values() if SPECS[r.kind].scheduled)


def test_defaults_never_overwrite_what_an_administrator_set(alpha):
    with schema_context(alpha.schema):
        AlertRule.objects.filter(kind="churn").update(enabled=False)
        services.rules_ensure_defaults()
        assert rule("churn").enabled is False
        assert AlertRule.objects.count() == len(SPECS)


def _update(actor, kind: str, **changes):
    current = rule(kind)
    values = {
        "enabled": current.enabled,
        "threshold": current.threshold,
        "deadline_hours": current.deadline_hours,
        "responsible": current.responsible,
        "responsible_user": current.responsible_user,
        "check_every_hours": current.check_every_hours,
        **changes,
    }
    return services.rule_update(actor=actor, rule=current, **values)


def test_an_executive_changes_a_rule_and_it_is_audited(alert_org):
    executive = alert_org.users["executive"]
    with schema_context(alert_org.schema):
        changed = _update(executive, "large_discount", threshold=Decimal("35"), deadline_hours=12)
        entry = AuditEntry.objects.filter(action="alert_rule.updated").latest("pk")

    assert (changed.threshold, changed.deadline_hours) == (Decimal("35"), 12)
    assert entry.data["threshold"] == ["20.00", "35"]


@pytest.mark.parametrize("who", ["salesperson", "sales_manager", "finance_manager", "dealer"])
def test_other_roles_cannot_change_rules(alert_org, who):
    with schema_context(alert_org.schema), pytest.raises(PermissionDenied):
        _update(alert_org.person(who), "large_discount", threshold=Decimal("35"))


@pytest.mark.parametrize(
    ("kind", "changes", "field"),
    [
        ("large_discount", {"threshold": Decimal("0")}, "threshold"),
        ("large_discount", {"threshold": Decimal("101")}, "threshold"),
        ("large_discount", {"threshold": Decimal("12.5")}, "threshold"),
        ("large_discount", {"threshold": None}, "threshold"),
        ("order_submitted", {"threshold": Decimal("5")}, "threshold"),
        ("order_submitted", {"check_every_hours": 2}, "check_every_hours"),
        ("stock_low", {"check_every_hours": 0}, "check_every_hours"),
        ("stock_low", {"deadline_hours": 0}, "deadline_hours"),
        ("stock_low", {"deadline_hours": 721}, "deadline_hours"),
        ("stock_low", {"responsible": "person"}, "responsible_user"),
        ("stock_low", {"responsible": "nobody"}, "responsible"),
    ],
)
def test_values_outside_a_kind_bounds_are_refused_and_nothing_changes(
    alert_org, kind, changes, field
):
    with schema_context(alert_org.schema):
        before = AlertRule.objects.filter(kind=kind).values().get()
        with pytest.raises(ValidationError) as refused:
            _update(alert_org.owner, kind, **changes)
        assert field in refused.value.message_dict
        assert AlertRule.objects.filter(kind=kind).values().get() == before


def test_a_dealer_cannot_be_named_responsible(alert_org):
    with schema_context(alert_org.schema), pytest.raises(ValidationError) as refused:
        _update(
            alert_org.owner,
            "stock_low",
            responsible="person",
            responsible_user=alert_org.users["dealer"],
        )
    assert "responsible_user" in refused.value.message_dict


def test_switching_a_scheduled_rule_back_on_makes_the_workspace_due(alert_org):
    from tradepost.alerts.due.models import WorkspaceDue

    with schema_context(alert_org.schema):
        _update(alert_org.owner, "churn", enabled=False)
        WorkspaceDue.objects.filter(tenant=alert_org.workspace.tenant).delete()
        changed = _update(alert_org.owner, "churn", enabled=True)
        due = WorkspaceDue.objects.get(tenant=alert_org.workspace.tenant)

    assert due.due_at == changed.next_run_at
