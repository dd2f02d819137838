"""Every choice a workspace page offers stays inside the caller's scope.

One alpha workspace gets the whole demo (master data, customers, sales documents) and
one user per role, plus an "outsider" salesperson of another branch who owns nothing.
The sweep collects every page of the workspace URL configuration, fills its ids with
demo rows (the dealer's own record, a salesperson's customer, any other), opens it as
each of the 8 roles and reads every offered choice — <select> options, checkboxes,
datalists — from the HTML. Each choice is classified by its field name and must be in
the allowed set of that kind for that role. The allowed sets are stated here from the
scope rule (`customers_visible_to`, the other `*_visible_to` selectors, the staff
profiles) and from plain expectations — a dealer is offered no user at all and reads
no staff member's name; a salesperson is offered only themselves — not from the form
helpers under test. A choice field of a name this sweep does not know fails it too:
a new picker must be classified here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver
from django_tenants.utils import schema_context

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.alerts.models import Alert, AlertRule
from tradepost.channel.models import Agreement, DemandPlan, PriceAdjustment
from tradepost.customers import selectors as customer_selectors
from tradepost.customers import services as customer_services
from tradepost.customers.demo import seed_demo as seed_customers
from tradepost.customers.models import (
    RESELLER_CHANNELS,
    Contact,
    Customer,
    CustomerGroup,
    PriceList,
    Tag,
    Ticket,
)
from tradepost.demo import seed_sales_menu as seed_sales
from tradepost.masterdata import services as md
from tradepost.masterdata.demo import seed_demo as seed_masterdata
from tradepost.masterdata.models import Branch, Product, SalesRegion, StaffProfile
from tradepost.masterdata.selectors import reports_of
from tradepost.pipeline import selectors as pipeline_selectors
from tradepost.pipeline.models import Opportunity
from tradepost.pricing.models import Promotion
from tradepost.sales import selectors as sales_selectors
from tradepost.sales.models import Order, Quote
from tradepost.search.pickers import PICKERS
from tradepost.settlement import selectors as settlement_selectors

EVERYTHING_ROLES = {
    Role.SYSTEM_ADMINISTRATOR,
    Role.EXECUTIVE,
    Role.FINANCE_MANAGER,
    Role.CUSTOMER_INFORMATION_MANAGER,
}

# What a choice field offers, by its name (a formset's "lines-0-product" is "product").
KIND_OF_FIELD = {
    "owner": "user",
    "assignee": "user",
    "portal_user": "dealer_user",
    "customer": "customer",
    "dealer": "customer",
    "referred_by": "customer",
    "group": "group",
    "customer_groups": "group",
    "branch": "branch",
    "region": "region",
    "tag": "tag",
    "opportunity": "opportunity",
    "agreement": "agreement",
    "contact": "contact",
    "ids": "customer",  # the customer list's bulk check boxes
    "claimant": "user",
    "customer_group": "group",
    "order": "order",
    "credited_invoice": "invoice",
    # Plans: the people a target is set for (a manager's team, else everyone selling).
    "salesperson": "user",
    "manager": "user",  # the staff pages' "reports to"
    "actor": "any_user",  # the audit log's "who": the departed too
    # Alerts: the person an alert rule names responsible (its page: administrators and
    # executives only).
    "responsible_user": "user",
}
# Choices that are the same for everyone who may open the page: fixed lists of the
# code (statuses, kinds, currencies, scores) and the shared catalogue and org tree
# (products, categories and tree parents, readable by every role that reaches them).
SHARED_FIELDS = {
    "action",
    "product",
    "products",
    "categories",
    "category",
    "parent",
    "tax_rate",
    "currency",
    "channel",
    "channels",
    "status",
    "kind",
    "stage",
    "grade",
    "sort",
    "active",
    "priority",
    "unit",
    "base_currency",
    "language",
    "role",
    "reputation",
    "solvency",
    "financial_backing",
    "loyalty",
    "personal_quality",
    "show",
    "format",
    "is_default",
    "mine",
    "overdue",
    "expiring",
    "is_active",
    "is_primary",
    "DELETE",
    "partial",
    "done",
    "basis",
    "key",
    "event_types",
    # Stock places and suppliers: the company's own warehouses, stores and suppliers,
    # the same for every role whose pages pick them (no customer or person in them).
    "location",
    "warehouse",
    "source",
    "destination",
    "supplier",
    "lot",
    "product_category",
    # The sales drill-down's measure and grouping (its period grain is "period" below):
    # fixed lists of the code.
    "measure",
    "dimensions",
    # Settlement's fixed lists and company-wide rules (no customer or person in them).
    "method",
    "rule",
    "allocate",
    "reward",
    "period",
    "reminders_enabled",
    "on_account",
    # Plans: what a target is for and its period kind (fixed lists of the code).
    "dimension",
    "period_kind",
    # The audit log's kinds of object (model names, no row in them).
    "target_type",
    # Alerts: states, who is responsible (roles, not people) and a rule's on/off.
    "state",
    "responsible",
    "enabled",
}
# The type-ahead pickers (`/search/pick/<kind>/`, tradepost.search.pickers) answer JSON
# the page sweep does not read; each is classified here like a field: the kind of its
# answers, or None for the shared catalogue. A new picker must be classified too.
PICKER_KINDS = {"customer": "customer", "product": None}
SKIPPED_ROUTES = ("api/", "i18n/", "accounts/logout", "accounts/password", "billing/")
SKIPPED_NAMES = {"export", "quote_pdf", "handoff", "invitation_accept"}
SLUG_VALUES = {
    "kind": ["branches", "regions", "categories"],
    "resource": ["customers", "contacts", "products"],
}
ID_MODELS = {
    "customer_id": Customer,
    "contact_id": Contact,
    "ticket_id": Ticket,
    "price_list_id": PriceList,
    "opportunity_id": Opportunity,
    "quote_id": Quote,
    "order_id": Order,
    "promotion_id": Promotion,
    "adjustment_id": PriceAdjustment,
    "plan_id": DemandPlan,
    "agreement_id": Agreement,
    "node_id": Branch,
    "alert_id": Alert,
    "rule_id": AlertRule,
}


class ChoiceParser(HTMLParser):
    """Collects (field name, value, label) of every offered choice of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.choices: list[tuple[str, str, str]] = []
        self._field: str | None = None
        self._option: str | None = None
        self._label: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._field = attrs.get("name") or ""
        elif tag == "datalist":
            self._field = attrs.get("id") or ""
        elif tag == "option" and self._field is not None:
            self._option = attrs.get("value", "")
            self._label = []
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            self.choices.append((attrs.get("name") or "", attrs.get("value") or "", ""))

    def handle_data(self, data):
        if self._option is not None:
            self._label.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._field is not None:
            self.choices.append((self._field, self._option, "".join(self._label).strip()))
            self._option = None
        elif tag in ("select", "datalist"):
            if self._option is not None and self._field is not None:
                self.choices.append((self._field, self._option, "".join(self._label).strip()))
            self._field = self._option = None


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _urls(ids: dict[str, list], contact_pairs: list[tuple[int, int]]) -> list[str]:
    """Every GET-able workspace page, with demo ids in its parameters."""
    urls = []
    for route, name in _routes(get_resolver("tradepost.urls_tenant").url_patterns):
        if route.startswith(SKIPPED_ROUTES) or name in SKIPPED_NAMES or "^" in route:
            continue
        params = PARAM.findall(route)
        if any(param in ("step", "token", "uidb64") for _kind, param in params):
            continue
        if [param for _kind, param in params] == ["customer_id", "contact_id"]:
            for customer_id, contact_id in contact_pairs:
                urls.append(
                    f"/{route}".replace("<int:customer_id>", str(customer_id)).replace(
                        "<int:contact_id>", str(contact_id)
                    )
                )
            continue
        if any(param not in ID_MODELS and param not in SLUG_VALUES for _k, param in params):
            continue  # ids of rows the demo has none of (keys, webhooks, users)
        filled = [f"/{route}"]
        for kind, param in params:
            values = SLUG_VALUES.get(param) or ids[param]
            filled = [
                url.replace(f"<{kind}:{param}>", str(value)) for url in filled for value in values
            ]
        urls.extend(filled)
    return urls


@pytest.fixture
def alpha_demo(alpha):
    """Alpha with the demo and one user per role (named so their names can be found)."""
    with schema_context(alpha.schema):
        admin = User.objects.get(email=alpha.owner_email)
        people = {Role.SYSTEM_ADMINISTRATOR: admin}
        for role in Role:
            if role == Role.SYSTEM_ADMINISTRATOR:
                continue
            user = User.objects.create_user(
                email=f"sweep-{role.value}@alpha.test", full_name=f"Sweeper {role.label}"
            )
            user.groups.set([Group.objects.get(name=role.value)])
            people[role] = user
        seed_masterdata(actor=admin)
        seed_customers(actor=admin)
        seed_sales(actor=admin)
        # A salesperson of another branch who owns nothing: out of the manager's reach.
        outsider = User.objects.create_user(
            email="sweep-outsider@alpha.test", full_name="Sweeper Outsider"
        )
        outsider.groups.set([Group.objects.get(name=Role.SALESPERSON.value)])
        md.staff_profile_set(actor=admin, user=outsider, branch=Branch.objects.get(code="BJ"))
        dealer_record = (
            Customer.objects.filter(channel__in=RESELLER_CHANNELS).order_by("code").first()
        )
        customer_services.customer_update(
            actor=admin, customer=dealer_record, portal_user=people[Role.DEALER]
        )
    return people, outsider, dealer_record


def _ids(people, dealer_record) -> tuple[dict[str, list], list[tuple[int, int]]]:
    salesperson = people[Role.SALESPERSON]
    own = Customer.objects.filter(owner=salesperson).order_by("pk").first()
    other = Customer.objects.exclude(owner=salesperson).exclude(pk=dealer_record.pk)
    customers = [dealer_record.pk, own.pk, other.order_by("pk").first().pk]
    ids = {"customer_id": customers}
    for param, model in ID_MODELS.items():
        if param == "customer_id":
            continue
        link = next(
            (f"{name}_id" for name in ("customer", "dealer") if hasattr(model, f"{name}_id")),
            None,
        )
        # One row of the dealer's own (the page the dealer may open) and one of the
        # salesperson's, else the first row: every form of the page is drawn either way.
        rows = model.objects.order_by("pk")
        chosen = []
        if link:
            chosen += [
                rows.filter(**{link: pk}).values_list("pk", flat=True).first()
                for pk in customers[:2]
            ]
        if not any(chosen):
            chosen += list(rows.values_list("pk", flat=True)[:1])
        ids[param] = sorted({pk for pk in chosen if pk is not None})
    contact_pairs = sorted(
        {
            (contact.customer_id, contact.pk)
            for contact in Contact.objects.filter(customer_id__in=customers)
        }
    )
    return ids, contact_pairs


def _allowed(role, user, outsider) -> dict[str, set]:
    """What `user` (of `role`) may be offered, kind by kind."""
    visible = customer_selectors.customers_visible_to(user)
    active_users = set(User.objects.filter(is_active=True).values_list("pk", flat=True))
    if role in EVERYTHING_ROLES:
        users = active_users
    elif role == Role.SALESPERSON:
        users = {user.pk}
    elif role == Role.SALES_MANAGER:
        profile = StaffProfile.objects.get(user=user)
        team = StaffProfile.objects.filter(branch__path__startswith=profile.branch.path)
        users = (
            {user.pk}
            | set(team.values_list("user_id", flat=True))
            | set(reports_of(user, recursive=True).values_list("pk", flat=True))
            | set(visible.exclude(owner=None).values_list("owner_id", flat=True))
        )
        assert outsider.pk not in users
    else:  # warehouse manager, dealer
        users = set()
    dealer_users = set(
        User.objects.filter(is_active=True, groups__name=Role.DEALER.value).values_list(
            "pk", flat=True
        )
    )
    linked = Customer.objects.exclude(portal_user=None)
    if role == Role.DEALER or role == Role.WAREHOUSE_MANAGER:
        dealer_users = set()
    elif role not in EVERYTHING_ROLES:  # not linked yet, or linked to a customer in scope
        dealer_users -= set(linked.exclude(pk__in=visible).values_list("portal_user_id", flat=True))
    own_records = visible if role == Role.DEALER else Customer.objects.all()
    return {
        "user": users,
        "any_user": set(User.objects.values_list("pk", flat=True))
        if user.has_perm("audit.view_auditentry")
        else set(),
        "dealer_user": dealer_users,
        "customer": set(visible.values_list("pk", flat=True)),
        "group": set(
            CustomerGroup.objects.filter(pk__in=own_records.values("group_id")).values_list(
                "pk", flat=True
            )
        ),
        "branch": set(
            Branch.objects.filter(pk__in=own_records.values("branch_id")).values_list(
                "pk", flat=True
            )
            if role == Role.DEALER
            else Branch.objects.values_list("pk", flat=True)
        ),
        "region": set(
            SalesRegion.objects.filter(pk__in=own_records.values("region_id")).values_list(
                "pk", flat=True
            )
            if role == Role.DEALER
            else SalesRegion.objects.values_list("pk", flat=True)
        ),
        "tag": set(
            Tag.objects.values_list("pk", flat=True)
            if role in EVERYTHING_ROLES
            else Tag.objects.filter(customers__in=visible).values_list("pk", flat=True)
        ),
        "opportunity": set(
            pipeline_selectors.opportunities_visible_to(user).values_list("pk", flat=True)
        ),
        "agreement": set(sales_selectors.agreements_visible_to(user).values_list("pk", flat=True)),
        "contact": set(customer_selectors.contacts_visible_to(user).values_list("pk", flat=True)),
        "order": set(sales_selectors.orders_visible_to(user).values_list("pk", flat=True)),
        "invoice": set(settlement_selectors.invoices_visible_to(user).values_list("pk", flat=True)),
    }


def test_every_choice_on_every_page_stays_in_the_callers_scope(alpha, alpha_demo, settings):
    settings.API_RATE_PER_CALLER = settings.API_RATE_PER_WORKSPACE = "1000000/min"
    people, outsider, dealer_record = alpha_demo
    with schema_context(alpha.schema):
        ids, contact_pairs = _ids(people, dealer_record)
        urls = _urls(ids, contact_pairs)
        allowed = {role: _allowed(role, user, outsider) for role, user in people.items()}
        staff_names = {
            user.get_full_name()
            for user in User.objects.exclude(pk=people[Role.DEALER].pk)
            if user.get_full_name()
        }

    violations: list[str] = []
    unclassified: set[str] = set()
    offered: dict[tuple, set] = defaultdict(set)  # (role, kind) → ids seen, for the check
    pages_read = 0
    for role, user in people.items():
        client = alpha.client(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages_read += 1
            parser = ChoiceParser()
            parser.feed(response.content.decode())
            for field, value, label in parser.choices:
                name = field.rsplit("-", 1)[-1]
                if role == Role.DEALER and label in staff_names:
                    violations.append(f"{role.value} {url} {field}: staff name {label!r}")
                if not value or name in SHARED_FIELDS:
                    continue
                kind = KIND_OF_FIELD.get(name)
                if kind is None:
                    unclassified.add(f"{url} {field}")
                    continue
                offered[(role, kind)].add(int(value))
                if int(value) not in allowed[role][kind]:
                    violations.append(f"{role.value} {url} {field}: {kind} {value} ({label})")

    with schema_context(alpha.schema):
        words = {
            "customer": ["", *Customer.objects.values_list("code", flat=True)],
            "product": ["", *Product.objects.values_list("sku", flat=True)[:20]],
        }
        active_products = set(Product.objects.filter(is_active=True).values_list("pk", flat=True))
    unclassified |= {f"/search/pick/{kind}/" for kind in set(PICKERS) - set(PICKER_KINDS)}
    for role, user in people.items():
        client = alpha.client(user)
        for picker, kind in PICKER_KINDS.items():
            for word in words[picker]:
                response = client.get(f"/search/pick/{picker}/", {"q": word})
                if response.status_code == 403:
                    break  # the role may not use this picker
                assert response.status_code == 200, (role, picker, word, response.content[:300])
                for result in response.json()["results"]:
                    value = result["id"]
                    if kind is None:
                        if value not in active_products:
                            violations.append(f"{role.value} pick {picker}: inactive {value}")
                        continue
                    offered[(role, f"pick-{kind}")].add(value)
                    if value not in allowed[role][kind]:
                        violations.append(f"{role.value} pick {picker} {word!r}: {kind} {value}")

    assert not unclassified, sorted(unclassified)
    assert not violations, "\n".join(sorted(set(violations))[:40])
    # The pickers were asked: the administrator found the dealer's record and the
    # outsider-owned rows alike, the dealer only its own record.
    assert dealer_record.pk in offered[(Role.SYSTEM_ADMINISTRATOR, "pick-customer")]
    assert offered[(Role.DEALER, "pick-customer")] == {dealer_record.pk}
    assert offered[(Role.SALESPERSON, "pick-customer")]
    # The sweep did reach the pickers: the administrator is offered the outsider and
    # the dealer's own record, each role read pages, and the dealer is offered no user.
    assert pages_read > 200, (pages_read, len(urls))
    assert outsider.pk in offered[(Role.SYSTEM_ADMINISTRATOR, "user")]
    assert offered[(Role.SALESPERSON, "user")] == {people[Role.SALESPERSON].pk}
    assert not offered[(Role.DEALER, "user")]
    assert dealer_record.pk in offered[(Role.DEALER, "customer")]
