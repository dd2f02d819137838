"""The reporting chain (`StaffProfile.manager`): what the selectors read from it, that
it never loops, and that a manager's scope takes in the records of everyone below them
— through the one scope rule, so customers, documents and pickers all follow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import schema_context

from tests.organisation.helpers import manager_of, report_to
from tradepost.audit.models import AuditEntry
from tradepost.customers import selectors as customer_selectors
from tradepost.customers import services as customer_services
from tradepost.masterdata import selectors as md_selectors
from tradepost.masterdata import services as md
from tradepost.masterdata.models import StaffProfile
from tradepost.pipeline import services as pipeline_services
from tradepost.pipeline.selectors import opportunities_visible_to


def _seen(org, who) -> set[int]:
    with schema_context(org.schema):
        return set(customer_selectors.customers_visible_to(who).values_list("pk", flat=True))


@pytest.fixture
def chain(org, make_user):
    """north_rep reports to the sales manager; a new rep ("deep") reports to north_rep
    and owns a customer of their own, outside every branch and region."""
    deep = make_user(org.workspace, "salesperson", email="deep@alpha.test")
    report_to(org, org.users["north_rep"], org.users["sales_manager"])
    report_to(org, deep, org.users["north_rep"], branch=org.branches["beijing"])
    with schema_context(org.schema):
        deep_customer = customer_services.customer_create(
            actor=org.owner, name="Deep Customer 深层客户", owner=deep
        )
    return deep, deep_customer


def test_the_chain_up_and_the_reports_down(org, chain):
    deep, _customer = chain
    manager, north_rep = org.users["sales_manager"], org.users["north_rep"]
    with schema_context(org.schema):
        up = md_selectors.reporting_chain(deep)
        direct = set(md_selectors.reports_of(manager).values_list("pk", flat=True))
        everyone = set(
            md_selectors.reports_of(manager, recursive=True).values_list("pk", flat=True)
        )
        top = md_selectors.reporting_chain(manager)

    assert [person.pk for person in up] == [north_rep.pk, manager.pk]
    assert direct == {north_rep.pk}
    assert everyone == {north_rep.pk, deep.pk}
    assert top == []


def test_a_manager_sees_the_customers_of_everyone_below_them(org, chain):
    deep, deep_customer = chain

    seen = _seen(org, org.users["sales_manager"])

    # their branch and region as before, and now north_rep's and the deep rep's too
    assert seen == org.ids("rep_own", "hangzhou_unowned", "region_only", "north", "dealer") | {
        deep_customer.pk
    }


def test_a_team_lead_salesperson_sees_their_reports_customers_not_their_managers(org, chain):
    deep, deep_customer = chain

    lead = _seen(org, org.users["north_rep"])
    bottom = _seen(org, deep)

    assert lead == org.ids("north", "dealer") | {deep_customer.pk}
    assert bottom == {deep_customer.pk}


def test_documents_and_pickers_follow_the_same_scope(org, chain):
    deep, deep_customer = chain
    manager = org.users["sales_manager"]
    with schema_context(org.schema):
        opportunity = pipeline_services.opportunity_create(
            actor=deep, customer=deep_customer, name="Deep deal", amount=Decimal("100.00")
        )
        opportunities = set(opportunities_visible_to(manager).values_list("pk", flat=True))
        pickable = set(customer_selectors.users_visible_to(manager).values_list("pk", flat=True))
        matcher = customer_selectors._scope(manager).matcher()

    assert opportunity.pk in opportunities
    assert deep.pk in pickable
    assert matcher(owner_id=deep.pk, portal_user_id=None, branch_id=None, region_id=None)


def test_taking_someone_out_of_the_chain_takes_their_customers_out_of_scope(org, chain):
    deep, deep_customer = chain
    report_to(org, org.users["north_rep"], None)

    seen = _seen(org, org.users["sales_manager"])

    assert seen == org.ids("rep_own", "hangzhou_unowned", "region_only")
    assert deep_customer.pk not in seen


def test_the_api_lists_a_managers_team_customers(org, chain):
    deep, deep_customer = chain

    ids = {row["id"] for row in org.api("sales_manager").rows("/api/v1/customers/", page_size=100)}

    assert deep_customer.pk in ids
    assert org.customers["north"].pk in ids


def _audit_count(org) -> int:
    with schema_context(org.schema):
        return AuditEntry.objects.filter(action="staff_profile.set").count()


def test_a_loop_is_refused_with_a_clear_message_and_nothing_written(org, chain):
    deep, _customer = chain
    manager = org.users["sales_manager"]
    before = _audit_count(org)

    with schema_context(org.schema), pytest.raises(ValidationError) as refused:
        md.staff_profile_update(actor=org.owner, user=manager, manager=deep)

    assert "go round in a circle" in refused.value.message_dict["manager"][0]
    assert manager_of(org, manager) is None
    assert _audit_count(org) == before


def test_nobody_reports_to_themselves(org):
    rep = org.users["salesperson"]
    with schema_context(org.schema), pytest.raises(ValidationError) as refused:
        md.staff_profile_update(actor=org.owner, user=rep, manager=rep)

    assert refused.value.message_dict == {"manager": ["Nobody can report to themselves."]}
    assert manager_of(org, rep) is None


@pytest.mark.parametrize("who", ["dealer", "inactive"])
def test_a_manager_is_an_active_member_of_staff(org, make_user, who):
    if who == "inactive":
        candidate = make_user(org.workspace, "sales_manager", email="gone@alpha.test")
        with schema_context(org.schema):
            type(candidate).objects.filter(pk=candidate.pk).update(is_active=False)
    else:
        candidate = org.users["dealer"]
    rep = org.users["salesperson"]

    with schema_context(org.schema), pytest.raises(ValidationError) as refused:
        md.staff_profile_update(actor=org.owner, user=rep, manager=candidate)

    assert refused.value.message_dict == {"manager": ["Choose an active member of staff."]}
    assert manager_of(org, rep) is None


def test_a_first_profile_needs_a_branch(org, make_user):
    newcomer = make_user(org.workspace, "salesperson", email="new@alpha.test")
    with schema_context(org.schema):
        with pytest.raises(ValidationError) as refused:
            md.staff_profile_update(actor=org.owner, user=newcomer, title="Rep")
        exists = StaffProfile.objects.filter(user=newcomer).exists()

    assert "branch" in refused.value.message_dict
    assert not exists


def test_only_administrators_change_profiles(org):
    with schema_context(org.schema), pytest.raises(PermissionDenied):
        md.staff_profile_update(
            actor=org.users["sales_manager"],
            user=org.users["salesperson"],
            manager=org.users["sales_manager"],
        )

    assert manager_of(org, org.users["salesperson"]) is None


def test_changes_are_audited_and_keep_the_fields_not_given(org):
    rep, manager = org.users["salesperson"], org.users["sales_manager"]
    with schema_context(org.schema):
        md.staff_profile_update(actor=org.owner, user=rep, title="Senior rep", phone="021-1")
        md.staff_profile_update(actor=org.owner, user=rep, manager=manager)
        profile = StaffProfile.objects.get(user=rep)
        entry = AuditEntry.objects.filter(action="staff_profile.set").order_by("-pk").first()

    assert (profile.title, profile.phone, profile.manager_id) == ("Senior rep", "021-1", manager.pk)
    assert profile.branch_id == org.branches["shanghai"].pk
    assert entry.data["fields"] == ["manager"]
    assert entry.data["manager_id"] == manager.pk
