"""The rules of the customer services: codes, tags, credit terms, referrals, contacts,
credit ratings, activities, tickets and dealer reports."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from api.webhooks.models import WebhookEvent
from api.webhooks.services import webhook_endpoint_create
from tradepost.audit.models import AuditEntry
from tradepost.customers import credit, services
from tradepost.customers.models import Contact, CreditRating, Customer, Ticket


@pytest.fixture
def in_alpha(org):
    with schema_context(org.workspace.schema):
        yield org


@pytest.fixture
def subscribed(in_alpha):
    webhook_endpoint_create(
        actor=in_alpha.owner,
        url="https://hooks.example.test/crm",
        event_types=["customer.created", "customer.updated"],
    )


def test_a_customer_without_code_is_numbered_from_its_id(in_alpha):
    customer = services.customer_create(actor=in_alpha.owner, name="  Numbered 编号客户  ")

    assert customer.code == f"C{customer.pk:06d}"
    assert customer.name == "Numbered 编号客户"
    assert customer.currency == "CNY"


def test_codes_are_unique_ignoring_case(in_alpha):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(actor=in_alpha.owner, name="Twin", code="sh-1")

    assert caught.value.message_dict == {"code": ["Another customer already has this code."]}
    assert not Customer.objects.filter(name="Twin").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "X", "email": "not-an-email"}, "email"),
        ({"name": "X", "channel": "pigeon"}, "channel"),
        ({"name": "X", "currency": "XXX"}, "currency"),
        ({"name": "X" * 201}, "name"),
        ({"name": "X", "tags": ["t" * 51]}, "tags"),
    ],
)
def test_bad_customer_fields_are_refused(in_alpha, fields, field):
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.customer_create(actor=in_alpha.owner, **fields)

    assert field in caught.value.message_dict
    assert Customer.objects.count() == before


def test_tags_are_trimmed_deduplicated_and_shared(in_alpha):
    first = services.customer_create(
        actor=in_alpha.owner, name="A", tags=["VIP", " vip ", "华东重点", " ", "Key  account"]
    )
    second = services.customer_create(actor=in_alpha.owner, name="B", tags=["Vip"])

    assert sorted(t.name for t in first.tags.all()) == ["Key account", "VIP", "华东重点"]
    assert [t.pk for t in second.tags.all()] == [t.pk for t in first.tags.filter(name="VIP")]


def test_creating_and_changing_a_customer_is_audited_and_announced(in_alpha, subscribed):
    customer = services.customer_create(actor=in_alpha.owner, name="Announced")
    services.customer_update(actor=in_alpha.owner, customer=customer, phone="0571-1")
    services.customer_update(actor=in_alpha.owner, customer=customer, phone="0571-1")  # no change

    events = list(WebhookEvent.objects.order_by("pk").values_list("event_type", "payload"))
    assert [e[0] for e in events] == ["customer.created", "customer.updated"]
    assert events[1][1]["changed"] == ["phone"]
    assert events[1][1]["customer_id"] == customer.pk
    actions = AuditEntry.objects.filter(target_id=str(customer.pk)).values_list("action", flat=True)
    assert sorted(actions) == ["customer.created", "customer.updated"]


def test_a_rolled_back_change_announces_nothing(in_alpha, subscribed):
    with pytest.raises(ValidationError):
        services.customer_update(
            actor=in_alpha.users["salesperson"],
            customer=in_alpha.customers["rep_own"],
            owner=in_alpha.users["north_rep"],
            branch=in_alpha.branches["beijing"],
        )

    assert not WebhookEvent.objects.exists()


def test_only_finance_changes_credit_terms(in_alpha):
    customer = in_alpha.customers["rep_own"]
    with pytest.raises(PermissionDenied):
        services.customer_update(
            actor=in_alpha.users["salesperson"], customer=customer, credit_limit=Decimal("1")
        )
    with pytest.raises(PermissionDenied):
        services.customer_update(
            actor=in_alpha.users["finance_manager"], customer=customer, name="Renamed by finance"
        )

    services.customer_update(
        actor=in_alpha.users["finance_manager"],
        customer=customer,
        credit_limit=Decimal("50000.00"),
        payment_terms_days=45,
    )

    customer.refresh_from_db()
    assert (customer.credit_limit, customer.payment_terms_days) == (Decimal("50000.00"), 45)


def test_sending_unchanged_credit_terms_needs_no_finance_permission(in_alpha):
    customer = in_alpha.customers["rep_own"]

    services.customer_update(
        actor=in_alpha.users["salesperson"],
        customer=customer,
        name="Renamed",
        credit_limit=customer.credit_limit,
    )

    assert Customer.objects.get(pk=customer.pk).name == "Renamed"


# The text ("abc") is parsed by the form and the serializer (test_api); the service
# keeps the amount's rules.
@pytest.mark.parametrize("amount", ["-1", "1.001", "1000000000000", "NaN", "Infinity"])
def test_bad_credit_limits_are_refused(in_alpha, amount):
    with pytest.raises(ValidationError) as caught:
        services.customer_update(
            actor=in_alpha.owner,
            customer=in_alpha.customers["north"],
            credit_limit=Decimal(amount),
        )

    assert "credit_limit" in caught.value.message_dict


def test_referrals_cannot_go_round_in_a_circle(in_alpha):
    a = in_alpha.customers["rep_own"]
    b = services.customer_create(actor=in_alpha.owner, name="B", referred_by=a)
    c = services.customer_create(actor=in_alpha.owner, name="C", referred_by=b)

    with pytest.raises(ValidationError) as caught:
        services.customer_update(actor=in_alpha.owner, customer=a, referred_by=c)
    assert "referred by this one" in caught.value.message_dict["referred_by"][0]
    with pytest.raises(ValidationError):
        services.customer_update(actor=in_alpha.owner, customer=a, referred_by=a)


def test_a_salesperson_cannot_name_a_referrer_they_cannot_see(in_alpha):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(
            actor=in_alpha.users["salesperson"],
            name="Referred",
            referred_by=in_alpha.customers["north"],
        )

    assert caught.value.message_dict["referred_by"] == ["Choose a customer from your records."]


def test_the_portal_sign_in_must_be_a_dealer(in_alpha):
    with pytest.raises(ValidationError) as caught:
        services.customer_update(
            actor=in_alpha.owner,
            customer=in_alpha.customers["north"],
            portal_user=in_alpha.users["salesperson"],
        )

    assert "portal_user" in caught.value.message_dict


# --- Contacts ------------------------------------------------------------------------
def test_one_primary_contact_per_customer(in_alpha):
    customer = in_alpha.customers["rep_own"]
    first = services.contact_create(
        actor=in_alpha.owner, customer=customer, name="王建国", is_primary=True
    )
    second = services.contact_create(
        actor=in_alpha.owner, customer=customer, name="李晓梅", is_primary=True
    )

    assert list(customer.contacts.filter(is_primary=True)) == [second]
    first.refresh_from_db()
    assert not first.is_primary
    assert first.code == f"P{first.pk:06d}"


def test_contacts_of_hidden_customers_cannot_be_added(in_alpha):
    with pytest.raises(PermissionDenied):
        services.contact_create(
            actor=in_alpha.users["salesperson"], customer=in_alpha.customers["north"], name="X"
        )

    assert not Contact.objects.filter(name="X").exists()


# --- Credit rating -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("scores", "score", "grade"),
    [
        ((5, 5, 5, 5, 5), "100.00", "A"),
        ((5, 5, 4, 4, 4), "90.00", "A"),
        ((5, 4, 4, 4, 4), "85.00", "A"),
        ((5, 4, 4, 4, 3), "82.00", "B"),
        ((4, 4, 4, 4, 4), "80.00", "B"),
        ((4, 4, 3, 3, 3), "70.00", "B"),
        ((3, 4, 3, 3, 3), "65.00", "C"),
        ((3, 3, 3, 3, 3), "60.00", "C"),
        ((3, 2, 3, 3, 3), "55.00", "C"),
        ((3, 3, 3, 2, 2), "54.00", "D"),
        ((3, 3, 2, 2, 2), "50.00", "D"),
        ((2, 2, 2, 2, 2), "40.00", "D"),
        ((2, 2, 2, 1, 1), "34.00", "E"),
        ((1, 1, 1, 1, 1), "20.00", "E"),
    ],
)
def test_the_grade_follows_the_documented_weights_and_thresholds(scores, score, grade):
    result = credit.credit_score(dict(zip(credit.FACTORS, scores, strict=True)))

    assert (result.score, result.grade) == (Decimal(score), grade)


def test_ratings_keep_their_history_and_the_customer_shows_the_latest(in_alpha):
    dealer = in_alpha.customers["dealer"]
    rate = services.credit_rating_create
    factors = dict.fromkeys(credit.FACTORS, 5)
    rate(actor=in_alpha.users["finance_manager"], customer=dealer, **factors)
    rate(
        actor=in_alpha.users["finance_manager"],
        customer=dealer,
        comment="Late payments",
        **{**factors, "solvency": 2, "reputation": 2},
    )

    dealer.refresh_from_db()
    assert dealer.credit_grade == "B"  # 25×2+25×2+20×5+15×5+15×5 = 350 → 70
    assert list(CreditRating.objects.filter(customer=dealer).values_list("grade", flat=True)) == [
        "B",
        "A",
    ]
    latest = CreditRating.objects.filter(customer=dealer).first()
    assert latest.weights["reputation"] == "0.25"
    assert latest.rated_by_label == "finance_manager@alpha.test"


@pytest.mark.parametrize("bad", [0, 6, "3", None, True, 2.5])
def test_factor_values_outside_one_to_five_are_refused(in_alpha, bad):
    factors = {**dict.fromkeys(credit.FACTORS, 3), "loyalty": bad}
    with pytest.raises(ValidationError) as caught:
        services.credit_rating_create(
            actor=in_alpha.owner, customer=in_alpha.customers["dealer"], **factors
        )

    assert list(caught.value.message_dict) == ["loyalty"]
    assert not CreditRating.objects.exists()


def test_a_salesperson_cannot_rate(in_alpha):
    with pytest.raises(PermissionDenied):
        services.credit_rating_create(
            actor=in_alpha.users["salesperson"],
            customer=in_alpha.customers["rep_own"],
            **dict.fromkeys(credit.FACTORS, 3),
        )


# --- Activities and tickets ----------------------------------------------------------
def test_an_activity_belongs_to_the_actor_and_can_be_done_and_reopened(in_alpha):
    rep = in_alpha.users["salesperson"]
    activity = services.activity_create(
        actor=rep,
        customer=in_alpha.customers["rep_own"],
        kind="visit",
        subject="Quarterly visit",
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert activity.owner == rep and activity.is_overdue

    services.activity_update(actor=rep, activity=activity, done=True)
    activity.refresh_from_db()
    assert activity.done_at is not None and not activity.is_overdue

    services.activity_update(actor=rep, activity=activity, done=False)
    activity.refresh_from_db()
    assert activity.done_at is None


def test_an_activitys_contact_must_be_of_its_customer(in_alpha):
    stranger = services.contact_create(
        actor=in_alpha.owner, customer=in_alpha.customers["north"], name="Other"
    )
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=in_alpha.owner,
            customer=in_alpha.customers["rep_own"],
            subject="Call",
            contact=stranger,
        )

    assert "contact" in caught.value.message_dict


@pytest.mark.parametrize(
    ("kind", "priority", "hours"),
    [("complaint", "urgent", 4), ("complaint", "normal", 24), ("inquiry", "low", 120)],
)
def test_a_tickets_sla_follows_type_and_priority(in_alpha, kind, priority, hours):
    ticket = services.ticket_create(
        actor=in_alpha.owner,
        customer=in_alpha.customers["rep_own"],
        kind=kind,
        priority=priority,
        subject="Broken kettle",
    )

    assert ticket.sla_due_at - ticket.created_at == datetime.timedelta(hours=hours)


def test_a_ticket_moves_through_its_statuses_and_closed_is_final(in_alpha):
    actor = in_alpha.owner
    ticket = services.ticket_create(
        actor=actor, customer=in_alpha.customers["rep_own"], kind="complaint", subject="Late"
    )
    services.ticket_update(actor=actor, ticket=ticket, status="in_progress", priority="urgent")
    ticket.refresh_from_db()
    assert ticket.sla_due_at - ticket.created_at == datetime.timedelta(hours=4)

    services.ticket_update(actor=actor, ticket=ticket, status="resolved", resolution="Replaced")
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None and not ticket.is_overdue

    services.ticket_update(actor=actor, ticket=ticket, status="closed")
    with pytest.raises(ValidationError):
        services.ticket_update(actor=actor, ticket=ticket, status="open")
    with pytest.raises(ValidationError):
        services.ticket_update(actor=actor, ticket=ticket, subject="Changed")
    assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def test_an_open_ticket_past_its_sla_is_overdue(in_alpha):
    ticket = services.ticket_create(
        actor=in_alpha.owner, customer=in_alpha.customers["rep_own"], subject="Old"
    )
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=timezone.now() - datetime.timedelta(1))

    assert Ticket.objects.get(pk=ticket.pk).is_overdue


# --- Dealer reports ------------------------------------------------------------------
def test_a_dealer_reports_competitor_intelligence_for_their_own_record(in_alpha):
    report = services.dealer_report_create(
        actor=in_alpha.users["dealer"],
        dealer=in_alpha.customers["dealer"],
        kind="competitor",
        subject="Brand X cut prices",
        competitor_name="Brand X",
        competitor_price=Decimal("880.00"),
    )

    assert report.competitor_price == Decimal("880.00")
    assert report.currency == "CNY"
    assert report.reported_by == in_alpha.users["dealer"]


@pytest.mark.parametrize(
    ("who", "customer", "fields", "error"),
    [
        ("owner", "rep_own", {"kind": "end_customer", "end_customer_name": "X"}, ValidationError),
        ("owner", "dealer", {"kind": "competitor"}, ValidationError),
        ("owner", "dealer", {"kind": "end_customer"}, ValidationError),
        ("dealer", "north", {"kind": "competitor", "competitor_name": "Y"}, PermissionDenied),
    ],
)
def test_bad_dealer_reports_are_refused(in_alpha, who, customer, fields, error):
    actor = in_alpha.owner if who == "owner" else in_alpha.users[who]
    with pytest.raises(error):
        services.dealer_report_create(
            actor=actor, dealer=in_alpha.customers[customer], subject="S", **fields
        )


def test_the_database_refuses_a_second_primary_contact_at_commit(committed_customer):
    from django.db import IntegrityError, transaction

    workspace, owner, customer = committed_customer
    with schema_context(workspace.schema):
        services.contact_create(actor=owner, customer=customer, name="First", is_primary=True)
        with pytest.raises(IntegrityError), transaction.atomic():
            # Past the service (which demotes the old primary): two at once, and the
            # check at commit refuses them.
            Contact.objects.create(customer=customer, code="X-2", name="Second", is_primary=True)
        with transaction.atomic():
            # Inside one transaction the order of a swap does not matter.
            Contact.objects.create(customer=customer, code="X-3", name="Third", is_primary=True)
            Contact.objects.filter(customer=customer, name="First").update(is_primary=False)
        assert list(
            Contact.objects.filter(customer=customer, is_primary=True).values_list(
                "name", flat=True
            )
        ) == ["Third"]
