"""The home page stays cheap: for each role, the same pinned number of queries with a
few documents as with many more (every figure an aggregate, no query per row)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from tests.settlement.conftest import confirmed_order, kettles
from tests.support.queries import assert_list_queries
from tests.workspace.dashboard_support import (
    low_kettle,
    month_of_documents,
    overdue_invoice,
    submitted_order,
    target,
)
from tradepost.alerts.services import bell_forget

# Per role: the schema, the session, the user, their groups and permissions (6), then
# each panel's own fixed set — e.g. the salesperson's targets (1), base currency (1),
# completion (1 GROUP BY), their day (4 aggregates), their overdue (1); the executive's
# twelve months of sales (1 GROUP BY), the company target and its completion (2), the
# profitability report (8) and receivables (1); the owner counts the team too (1). Every
# role but the dealer's has the alerts panel (3: theirs, their team's, the first rows)
# and the bell's unread count, counted here as a cache miss (1).
QUERIES = {
    "salesperson": 18,
    "sales_manager": 19,
    "warehouse_manager": 15,
    "finance_manager": 14,
    "executive": 23,
    "owner": 24,
}


def _grow(org):
    for customer in ("rep_own", "north", "hangzhou_unowned", "region_only"):
        confirmed_order(org, customer, lines=kettles(org, "2"))
        submitted_order(org, customer)
        overdue_invoice(org, customer, "1", days=45)
    # Same dimensions as before (one GROUP BY each), more targets.
    target(org, "branch", "700.00", branch=org.branches["shanghai"])
    low_kettle(org, "5000", product="toaster")


@pytest.mark.parametrize("who", sorted(QUERIES))
def test_the_home_page_takes_a_fixed_number_of_queries(sales_org, who):
    org = month_of_documents(sales_org)
    client = org.client(who)
    person = org.owner if who == "owner" else org.users[who]

    def fetch():
        with schema_context(org.schema):  # the bell's count read each time (a cache miss)
            bell_forget(person.pk)
        return client.get("/")

    assert_list_queries(fetch, lambda: _grow(org), queries=QUERIES[who])
