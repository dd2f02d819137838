"""Quote services: numbering, pricing (the same as orders), the lifecycle with its
permissions and scope, expiry, conversion into an order at the quoted prices, and two
conversions of one quote at once."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.access import WorkspaceReadOnly
from billing.models import Subscription
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import DocumentSequence, Product
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales import orders, quotes
from tradepost.sales.models import Order, Quote, QuoteLine

TODAY = timezone.localdate
YEAR = timezone.localdate().year


def _actor(org, who):
    return org.owner if who == "owner" else org.users[who]


def _quote(org, who="salesperson", customer="rep_own", **kwargs):
    lines = kwargs.pop(
        "lines",
        [
            {"product": org.products["kettle"], "quantity": Decimal("2")},
            {
                "product": org.products["toaster"],
                "quantity": Decimal("1"),
                "discount_percent": Decimal("10"),
            },
        ],
    )
    return quotes.quote_create(
        actor=_actor(org, who), customer=org.customers[customer], lines=lines, **kwargs
    )


def _sent(org, **kwargs):
    return quotes.quote_send(actor=org.users["salesperson"], quote=_quote(org, **kwargs))


def _accepted(org, **kwargs):
    return quotes.quote_accept(actor=org.users["salesperson"], quote=_sent(org, **kwargs))


def _expire(quote):
    """Move the quote's dates into the past, as if time had passed."""
    yesterday = TODAY() - datetime.timedelta(days=1)
    Quote.objects.filter(pk=quote.pk).update(
        issued_on=yesterday - datetime.timedelta(days=30), valid_until=yesterday
    )
    quote.refresh_from_db()
    return quote


def _promotion(org, *, starts_on, ends_on, percent="10", name="Spring 春季促销"):
    promotion = Promotion.objects.create(
        name=name,
        kind=Promotion.Kind.PERCENT_OFF,
        percent=Decimal(percent),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    promotion.products.set([org.products["kettle"]])
    return promotion


# --- Making a quote ------------------------------------------------------------------
def test_a_quote_is_numbered_priced_for_the_customer_and_valid_for_thirty_days(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        customer_services.price_list_create(
            actor=org.owner,
            name="Mingda",
            customer=org.customers["rep_own"],
            valid_from=datetime.date(2020, 1, 1),
            lines=[(org.products["kettle"], Decimal("180.00"))],
        )
        quote = _quote(org)
        second = _quote(org, customer="rep_own")

        assert quote.number == f"QT-{YEAR}-00001"
        assert second.number == f"QT-{YEAR}-00002"
        assert quote.status == Quote.Status.DRAFT
        assert quote.issued_on == TODAY()
        assert quote.valid_until == TODAY() + datetime.timedelta(days=30)
        assert quote.owner == org.users["salesperson"]
        assert quote.currency == "CNY"
        kettle, toaster = quote.lines.order_by("position")
        assert (kettle.unit_price, kettle.price_source) == (Decimal("180.00"), "customer list")
        assert (kettle.net_amount, kettle.tax_amount) == (Decimal("360.00"), Decimal("46.80"))
        assert (toaster.unit_price, toaster.price_source) == (Decimal("259.50"), "list price")
        assert toaster.discount_amount == Decimal("25.95")
        assert quote.net_total == Decimal("593.55")
        assert quote.gross_total == quote.net_total + quote.tax_total
        entry = AuditEntry.objects.get(action="quote.created", target_id=str(quote.pk))
        assert entry.data["number"] == quote.number


def test_a_quote_prices_its_lines_exactly_as_an_order_would(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _promotion(org, starts_on=TODAY(), ends_on=TODAY())
        lines = [
            {
                "product": org.products["kettle"],
                "quantity": Decimal("3"),
                "discount_percent": Decimal("5"),
            },
            {
                "product": org.products["toaster"],
                "quantity": Decimal("1.5"),
                "unit_price": Decimal("250.00"),
            },
        ]
        quote = _quote(org, lines=lines)
        order = orders.order_create(
            actor=org.users["salesperson"], customer=org.customers["rep_own"], lines=lines
        )
        fields = [
            "product_id",
            "quantity",
            "unit_price",
            "price_source",
            "discount_percent",
            "promotion_id",
            "promotion_label",
            "promotion_discount",
            "discount_amount",
            "tax_rate",
            "net_amount",
            "tax_amount",
            "gross_amount",
        ]
        assert list(quote.lines.order_by("position").values_list(*fields)) == list(
            order.lines.order_by("position").values_list(*fields)
        )
        kettle = quote.lines.get(product=org.products["kettle"])
        assert kettle.promotion_label == "Spring 春季促销"
        assert kettle.promotion_discount == Decimal("59.70")  # 10 % of 3 × 199.00
        for total in ("subtotal", "discount_total", "net_total", "tax_total", "gross_total"):
            assert getattr(quote, total) == getattr(order, total), total


def test_a_quote_in_another_currency_needs_a_price_there(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        lamp = _quote(
            org,
            currency="USD",
            lines=[{"product": org.products["usd_lamp"], "quantity": Decimal("2")}],
        )
        assert (lamp.currency, lamp.net_total) == ("USD", Decimal("60.00"))
        with pytest.raises(ValidationError) as refused:
            _quote(org, currency="USD")
        assert "lines" in refused.value.message_dict


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"product": None, "quantity": Decimal("1")}]}, "lines"),
        ({"lines": [{"product": "kettle", "quantity": Decimal("0")}]}, "lines"),
        ({"currency": "XXX"}, "currency"),
        ({"valid_until": "yesterday"}, "valid_until"),
        ({"issued_on": "in_ten_days", "valid_until": "in_five_days"}, "valid_until"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_bad_input_is_refused_whole_and_uses_no_number(sales_org, change, field):
    org = sales_org
    days = {"yesterday": -1, "in_five_days": 5, "in_ten_days": 10}
    for key, value in list(change.items()):
        if isinstance(value, str) and value in days:
            change[key] = TODAY() + datetime.timedelta(days=days[value])
    if "lines" in change:
        change["lines"] = [
            {**line, "product": org.products.get(line["product"])} for line in change["lines"]
        ]
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _quote(org, **change)
        assert field in refused.value.message_dict
        assert Quote.objects.count() == QuoteLine.objects.count() == 0
        assert _quote(org).number == f"QT-{YEAR}-00001"  # no gap


def test_the_opportunity_must_be_the_customers_and_the_customer_active(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        north_deal = Opportunity.objects.create(name="North deal", customer=org.customers["north"])
        own_deal = Opportunity.objects.create(name="Own deal", customer=org.customers["rep_own"])
        with pytest.raises(ValidationError) as wrong:
            _quote(org, who="owner", opportunity=north_deal)
        assert "opportunity" in wrong.value.message_dict
        assert _quote(org, opportunity=own_deal).opportunity == own_deal
        customer_services.customer_update(
            actor=org.owner, customer=org.customers["rep_own"], is_active=False
        )
        org.customers["rep_own"].refresh_from_db()
        with pytest.raises(ValidationError) as inactive:
            _quote(org)
        assert "customer" in inactive.value.message_dict


# --- Who may do what -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "customer", "outcome"),
    [
        ("salesperson", "rep_own", "ok"),
        ("sales_manager", "rep_own", "ok"),  # Shanghai is in the manager's East branch
        ("owner", "north", "ok"),
        ("salesperson", "north", ValidationError),  # not their customer: "select a valid one"
        ("sales_manager", "north", ValidationError),
        ("executive", "rep_own", PermissionDenied),
        ("finance_manager", "rep_own", PermissionDenied),
        ("warehouse_manager", "rep_own", PermissionDenied),
        ("dealer", "dealer", PermissionDenied),
        ("customer_information_manager", "rep_own", PermissionDenied),
    ],
)
def test_who_may_make_a_quote(sales_org, role, customer, outcome):
    with schema_context(sales_org.workspace.schema):
        if outcome == "ok":
            assert _quote(sales_org, who=role, customer=customer).pk
        else:
            with pytest.raises(outcome):
                _quote(sales_org, who=role, customer=customer)
            assert Quote.objects.count() == 0


def test_steps_need_the_change_permission_and_the_quote_in_scope(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        mine = _quote(org)
        north = _quote(org, who="owner", customer="north")
        with pytest.raises(PermissionDenied):
            quotes.quote_send(actor=org.users["salesperson"], quote=north)
        with pytest.raises(PermissionDenied):
            quotes.quote_send(actor=org.users["executive"], quote=mine)
        with pytest.raises(PermissionDenied):
            quotes.quote_update(actor=org.users["north_rep"], quote=mine, notes="mine now")
        with pytest.raises(PermissionDenied):
            quotes.quote_convert(actor=org.users["finance_manager"], quote=mine)
        assert quotes.quote_send(actor=org.users["sales_manager"], quote=mine).status == "sent"
        assert quotes.quote_send(actor=org.users["north_rep"], quote=north).status == "sent"
        north.refresh_from_db()
        mine.refresh_from_db()
        assert (mine.notes, north.status) == ("", "sent")


def test_a_read_only_workspace_refuses_quotes(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        draft = _quote(org)
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(WorkspaceReadOnly):
            _quote(org)
        with pytest.raises(WorkspaceReadOnly):
            quotes.quote_send(actor=org.users["salesperson"], quote=draft)
        draft.refresh_from_db()
        assert (Quote.objects.count(), draft.status) == (1, "draft")


# --- Lifecycle -----------------------------------------------------------------------
def test_draft_sent_accepted_converted_each_step_audited(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        quote = _quote(org)
        quote = quotes.quote_send(actor=rep, quote=quote)
        assert quote.status == Quote.Status.SENT
        quote = quotes.quote_accept(actor=rep, quote=quote)
        assert quote.status == Quote.Status.ACCEPTED
        order = quotes.quote_convert(actor=rep, quote=quote)
        quote.refresh_from_db()
        assert quote.status == Quote.Status.CONVERTED
        assert (order.quote_id, order.status, order.customer_id) == (
            quote.pk,
            Order.Status.DRAFT,
            quote.customer_id,
        )
        actions = list(
            AuditEntry.objects.filter(target_type="sales.quote", target_id=str(quote.pk))
            .order_by("pk")
            .values_list("action", flat=True)
        )
        assert actions == ["quote.created", "quote.sent", "quote.accepted", "quote.converted"]
        converted = AuditEntry.objects.get(action="quote.converted", target_id=str(quote.pk))
        assert converted.data == {"from": "accepted", "order": order.pk}


def test_steps_out_of_order_are_refused_and_change_nothing(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        draft = _quote(org)
        for step in (quotes.quote_accept, quotes.quote_decline, quotes.quote_convert):
            with pytest.raises(ValidationError) as refused:
                step(actor=rep, quote=draft)
            assert "status" in refused.value.message_dict
        declined = quotes.quote_decline(actor=rep, quote=_sent(org))
        assert declined.status == Quote.Status.DECLINED
        for step in (quotes.quote_accept, quotes.quote_convert, quotes.quote_cancel):
            with pytest.raises(ValidationError):
                step(actor=rep, quote=declined)
        draft.refresh_from_db()
        declined.refresh_from_db()
        assert (draft.status, declined.status) == ("draft", "declined")
        assert Order.objects.count() == 0


@pytest.mark.parametrize("stage", ["draft", "sent", "accepted"])
def test_an_open_quote_can_be_cancelled(sales_org, stage):
    org = sales_org
    with schema_context(org.workspace.schema):
        quote = {"draft": _quote, "sent": _sent, "accepted": _accepted}[stage](org)
        cancelled = quotes.quote_cancel(actor=org.users["salesperson"], quote=quote)
        assert cancelled.status == Quote.Status.CANCELLED
        with pytest.raises(ValidationError):
            quotes.quote_convert(actor=org.users["salesperson"], quote=cancelled)


def test_only_a_draft_is_edited_and_its_lines_are_priced_again(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        quote = _quote(org)
        later = TODAY() + datetime.timedelta(days=60)
        changed = quotes.quote_update(
            actor=rep,
            quote=quote,
            lines=[{"product": org.products["kettle"], "quantity": Decimal("4")}],
            valid_until=later,
            notes="Delivery included",
        )
        assert changed.lines.count() == 1
        assert changed.net_total == Decimal("796.00")
        assert (changed.valid_until, changed.notes) == (later, "Delivery included")
        with pytest.raises(ValidationError) as unknown:
            quotes.quote_update(actor=rep, quote=quote, customer=org.customers["north"])
        assert "customer" in unknown.value.message_dict
        with pytest.raises(ValidationError) as bad_lines:
            quotes.quote_update(actor=rep, quote=quote, lines=[])
        assert "lines" in bad_lines.value.message_dict
        sent = quotes.quote_send(actor=rep, quote=changed)
        with pytest.raises(ValidationError) as fixed:
            quotes.quote_update(actor=rep, quote=sent, notes="too late")
        assert "status" in fixed.value.message_dict
        sent.refresh_from_db()
        assert (sent.notes, sent.lines.count(), sent.net_total) == (
            "Delivery included",
            1,
            Decimal("796.00"),
        )


# --- Expiry --------------------------------------------------------------------------
def test_an_expired_quote_cannot_be_sent_accepted_or_converted(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        draft = _expire(_quote(org))
        sent = _expire(_sent(org))
        accepted = _expire(_accepted(org))
        assert quotes.quote_is_expired(draft)
        for step, quote in (
            (quotes.quote_send, draft),
            (quotes.quote_accept, sent),
            (quotes.quote_convert, sent),
            (quotes.quote_convert, accepted),
        ):
            with pytest.raises(ValidationError) as refused:
                step(actor=rep, quote=quote)
            assert "expired" in " ".join(refused.value.message_dict["valid_until"])
        assert Order.objects.count() == 0
        statuses = dict(Quote.objects.values_list("pk", "status"))
        assert statuses == {draft.pk: "draft", sent.pk: "sent", accepted.pk: "accepted"}
        # The customer may still say no, and a draft's validity can be extended.
        assert quotes.quote_decline(actor=rep, quote=sent).status == "declined"
        quotes.quote_update(
            actor=rep, quote=draft, valid_until=TODAY() + datetime.timedelta(days=7)
        )
        assert quotes.quote_send(actor=rep, quote=draft).status == "sent"


def test_a_quote_valid_until_today_is_not_expired(sales_org):
    with schema_context(sales_org.workspace.schema):
        quote = _sent(sales_org, valid_until=TODAY())
        assert not quotes.quote_is_expired(quote)
        assert quotes.quote_convert(actor=sales_org.users["salesperson"], quote=quote).pk


# --- Conversion ----------------------------------------------------------------------
def test_conversion_keeps_the_quoted_prices_and_evaluates_promotions_again(sales_org):
    """The quote was made ten days ago, during a promotion that has ended; the kettle's
    price has gone up since. The order keeps the quoted unit prices (source "quote"),
    the discounts and descriptions, but no longer gets the ended promotion."""
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        ten_days_ago = TODAY() - datetime.timedelta(days=10)
        _promotion(org, starts_on=ten_days_ago, ends_on=TODAY() - datetime.timedelta(days=1))
        quote = _quote(
            org,
            issued_on=ten_days_ago,
            lines=[
                {
                    "product": org.products["kettle"],
                    "quantity": Decimal("2"),
                    "discount_percent": Decimal("5"),
                },
                {
                    "product": org.products["toaster"],
                    "quantity": Decimal("1"),
                    "unit_price": Decimal("240.00"),
                    "description": "Toaster, display model",
                },
            ],
        )
        kettle_quoted = quote.lines.get(product=org.products["kettle"])
        assert kettle_quoted.promotion_label and kettle_quoted.promotion_discount == Decimal(
            "39.80"
        )
        md.product_update(
            actor=org.owner, product=org.products["kettle"], list_price=Decimal("229.00")
        )
        quote = _accepted_from(org, quote)

        order = quotes.quote_convert(actor=rep, quote=quote)

        kettle, toaster = order.lines.order_by("position")
        assert (kettle.unit_price, kettle.price_source) == (Decimal("199.00"), "quote")
        assert kettle.discount_percent == Decimal("5.00")
        assert kettle.promotion_id is None and kettle.promotion_discount == Decimal("0.00")
        assert kettle.net_amount == Decimal("378.10")  # 398.00 less 5 %
        assert (toaster.unit_price, toaster.price_source) == (Decimal("240.00"), "quote")
        assert toaster.description == "Toaster, display model"
        assert order.order_date == TODAY()
        assert order.owner == quote.owner
        assert order.currency == quote.currency


def _accepted_from(org, quote):
    rep = org.users["salesperson"]
    return quotes.quote_accept(actor=rep, quote=quotes.quote_send(actor=rep, quote=quote))


def test_a_sent_quote_converts_directly_and_only_once(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        quote = _sent(org)
        order = quotes.quote_convert(actor=rep, quote=quote)
        assert order.net_total == quote.net_total
        with pytest.raises(ValidationError) as again:
            quotes.quote_convert(actor=rep, quote=quote)
        assert "already been converted" in " ".join(again.value.message_dict["status"])
        assert Order.objects.filter(quote=quote).count() == 1


def test_conversion_needs_the_order_permission_too(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        quote = _sent(org)
        rep = org.users["salesperson"]
        rep.groups.first().permissions.remove(
            *rep.groups.first().permissions.filter(codename="add_order")
        )
        rep = type(rep).objects.get(pk=rep.pk)  # drop the permission cache
        with pytest.raises(PermissionDenied):
            quotes.quote_convert(actor=rep, quote=quote)
        quote.refresh_from_db()
        assert (quote.status, Order.objects.count()) == ("sent", 0)


# --- Two conversions at once ---------------------------------------------------------
@pytest.fixture
def committed_accepted_quote(platform_workspaces, django_db_blocker):
    """An accepted quote committed in alpha (customer and product too), so two
    connections can race for it; everything made meanwhile is removed afterwards and
    the quote number sequence is put back."""
    workspace = platform_workspaces["alpha"]
    with django_db_blocker.unblock():
        with schema_context(workspace.schema):
            owner = workspace.owner()
            last_audit = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
            sequence = DocumentSequence.objects.filter(key="quote", year=YEAR).first()
            customer = customer_services.customer_create(
                actor=owner, name="Race 竞争客户", code="RACE-QT"
            )
            product = md.product_create(
                actor=owner, sku="RACE-QT-1", name="Race kettle", list_price=Decimal("88.00")
            )
            quote = quotes.quote_create(
                actor=owner,
                customer=customer,
                lines=[{"product": product, "quantity": Decimal("5")}],
            )
            quote = quotes.quote_accept(
                actor=owner, quote=quotes.quote_send(actor=owner, quote=quote)
            )
        connection.set_schema_to_public()
        yield workspace, owner, quote
        with schema_context(workspace.schema):
            Order.objects.filter(customer=customer).delete()
            Quote.objects.filter(customer=customer).delete()
            Product.objects.filter(pk=product.pk).delete()
            Customer.objects.filter(pk=customer.pk).delete()
            AuditEntry.objects.filter(pk__gt=last_audit or 0).delete()
            if sequence is None:
                DocumentSequence.objects.filter(key="quote", year=YEAR).delete()
            else:
                sequence.save()
        connection.set_schema_to_public()


def test_two_conversions_of_one_quote_at_once_make_one_order(committed_accepted_quote):
    workspace, owner, quote = committed_accepted_quote
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def convert(index):
        try:
            with schema_context(workspace.schema):
                fresh = Quote.objects.get(pk=quote.pk)
                barrier.wait()
                outcomes[index] = quotes.quote_convert(actor=owner, quote=fresh)
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=convert, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    made = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert "already been converted" in " ".join(refused[0].message_dict["status"])
    with schema_context(workspace.schema):
        assert list(Order.objects.filter(quote_id=quote.pk).values_list("pk", flat=True)) == [
            made[0].pk
        ]
        assert Quote.objects.get(pk=quote.pk).status == Quote.Status.CONVERTED
        assert (
            AuditEntry.objects.filter(action="quote.converted", target_id=str(quote.pk)).count()
            == 1
        )
    connection.set_schema_to_public()
