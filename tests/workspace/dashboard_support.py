"""What the home-page tests share: a month of documents in the sales organisation
(`sales_org`, tests/support/org.py) and a reader for the page's panels.

`month_of_documents(org)` — all dated today, by the owner unless said:

| what                         | rep_own (salesperson, Shanghai) | north (north_rep, Beijing) |
|------------------------------|---------------------------------|----------------------------|
| confirmed order              | 1 kettle (199.00 net)           | 3 kettles (597.00 net)     |
| confirmed order, invoiced    | 1 kettle (199.00 net)           | 3 kettles (597.00 net)     |
| submitted order              | one                             | one                        |
| its invoice, 10 days overdue | 224.87 incl. tax                | 674.61                     |
| this month's target          | salesperson 1,000.00            | north_rep 2,000.00         |

plus an East branch target of 5,000.00 and a company target of 10,000.00 for the month,
and a reorder point of 2,000 on the kettle at the main warehouse (stock 1,000 less what
the orders reserved): one product low.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.support import factories
from tests.workspace.pages import Page
from tradepost.inventory import thresholds
from tradepost.inventory.models import StockBalance
from tradepost.masterdata.models import Location
from tradepost.plans import services as plans
from tradepost.sales import orders
from tradepost.settlement import invoices
from tradepost.settlement.models import LedgerEntry

D = Decimal


def today() -> datetime.date:
    return timezone.localdate()


def overdue_invoice(org, customer: str, quantity: str, days: int = 10):
    """An issued invoice for a confirmed order of `quantity` kettles, due `days` ago."""
    order = confirmed_order(org, customer, lines=kettles(org, quantity))
    finance = org.users["finance_manager"]
    with schema_context(org.schema):
        draft = invoices.invoice_from_order(actor=finance, order=order)
        invoice = invoices.invoice_issue(actor=finance, invoice=draft)
        LedgerEntry.objects.filter(pk=invoice.entry_id).update(
            due_date=today() - datetime.timedelta(days=days)
        )
    return invoice


def submitted_order(org, customer: str):
    made = factories.order(org, customer, lines=kettles(org, "1"))
    with schema_context(org.schema):
        return orders.order_submit(actor=org.owner, order=made)


def target(org, dimension: str, amount: str, **objects):
    with schema_context(org.schema):
        return plans.target_create(
            actor=org.owner,
            period_kind="month",
            period_start=today().replace(day=1),
            dimension=dimension,
            amount=D(amount),
            **objects,
        )


def low_kettle(org, point: str = "2000", product: str = "kettle"):
    """A reorder point of `point` on `product` at the main warehouse."""
    with schema_context(org.schema):
        warehouse = Location.objects.get(is_default=True, branch__isnull=True)
        balance = StockBalance.objects.get(product=org.products[product], location=warehouse)
        thresholds.reorder_point_set(
            actor=org.users["warehouse_manager"], balance=balance, reorder_point=D(point)
        )


def month_of_documents(org):
    confirmed_order(org, "rep_own", lines=kettles(org, "1"))
    confirmed_order(org, "north", lines=kettles(org, "3"))
    submitted_order(org, "rep_own")
    submitted_order(org, "north")
    overdue_invoice(org, "rep_own", "1")
    overdue_invoice(org, "north", "3")
    target(org, "salesperson", "1000.00", salesperson=org.users["salesperson"])
    target(org, "salesperson", "2000.00", salesperson=org.users["north_rep"])
    target(org, "branch", "5000.00", branch=org.branches["east"])
    target(org, "company", "10000.00")
    low_kettle(org)
    return org


class Home:
    """The home page as `who` sees it: its panels by key, their text and links."""

    def __init__(self, response):
        assert response.status_code == 200, response.status_code
        self.html = response.content.decode()
        self.page = Page(self.html)

    @property
    def panels(self) -> list[str]:
        return [
            section.attrs["id"].removeprefix("panel-")
            for section in self.page.find_all("h2")
            if section.attrs.get("id", "").startswith("panel-")
        ]

    def panel(self, key: str):
        found = self.page.find_all("section", f"home-panel-{key}")
        assert len(found) == 1, (key, self.panels)
        return found[0]

    def text(self, key: str) -> str:
        return self.panel(key).text

    def links(self, key: str) -> list[str]:
        section = self.panel(key)
        return [a.attrs["href"] for a in self.page.find_all("a") if section in a.ancestors]

    @property
    def shows_steps(self) -> bool:
        return bool(self.page.find_all("ol", "steps"))


def home(org, who: str, language: str = "en") -> Home:
    client = org.client(who)
    client.cookies["django_language"] = language
    return Home(client.get("/"))
