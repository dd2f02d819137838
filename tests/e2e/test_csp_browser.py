"""The Content-Security-Policy in a real browser: the main pages load without a single
refusal (every browser test fails on one, see conftest) and their scripts still work —
from static files, reading their data from data-* attributes — while an inline script or
an inline event handler is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.audit.models import AuditEntry
from tradepost.customers import services as customer_services
from tradepost.customers.models import Customer
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Branch
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity

pytestmark = pytest.mark.e2e


@pytest.fixture
def deal(run_db, platform_workspaces):
    """A committed dealer with one prospect, and a branch with a sub-branch, in alpha;
    removed afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            customer = customer_services.customer_create(
                actor=owner, name="CSP 测试客户 Policy Co", code="E2E-CSP-1", channel="dealer"
            )
            opportunity = pipeline.opportunity_create(
                actor=owner, customer=customer, name="CSP board deal", amount=Decimal("1000")
            )
            head = md.tree_node_create(actor=owner, model=Branch, name="CSP HQ", code="E2E-CSP-HQ")
            md.tree_node_create(
                actor=owner, model=Branch, parent=head, name="CSP Store", code="E2E-CSP-ST"
            )
            return customer.pk, opportunity.pk, last

    customer_id, opportunity_id, last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            Opportunity.objects.filter(customer_id=customer_id).delete()
            Customer.objects.filter(pk=customer_id).delete()
            Branch.objects.filter(code="E2E-CSP-HQ").delete()  # the sub-branch with it
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield opportunity_id
    run_db(remove)


def _stage(run_db, alpha, opportunity_id) -> str:
    def read():
        with schema_context(alpha.schema):
            return Opportunity.objects.get(pk=opportunity_id).stage

    return run_db(read)


def test_the_policy_is_sent_and_refuses_inline_script_and_handlers(
    page, web_server, csp_violations
):
    response = page.goto(web_server.public_url("/"))
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "camera=()" in response.headers["permissions-policy"]

    # A script injected into the page, and an on*= handler, do not run; both are reported.
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const button = document.createElement("button");
            button.setAttribute("onclick", "window.clicked = true");
            document.body.append(button);
            button.click();
            return [Boolean(window.injected), Boolean(window.clicked)];
        }"""
    )
    assert ran == [False, False]
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(200)  # the violation events are dispatched asynchronously
    refused = "\n".join(csp_violations)
    assert "script-src" in refused, refused
    csp_violations.clear()  # provoked on purpose

    # The public pages themselves pass.
    page.goto(web_server.public_url("/signup/"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_main_pages_pass_the_policy_and_their_scripts_work(
    page, web_server, platform_workspaces, deal, run_db
):
    alpha = platform_workspaces["alpha"]
    url = lambda path: web_server.workspace_url(alpha.slug, path)  # noqa: E731
    sign_in(page, web_server, alpha)

    page.goto(url("/customers/"))
    expect(page.locator("main")).to_contain_text("Policy Co")

    # The board: drag and drop (pipeline.js) still moves the opportunity.
    page.set_viewport_size({"width": 1600, "height": 900})
    page.goto(url("/sales/pipeline/?q=Policy+Co"))
    page.locator(f'.opp-card[data-id="{deal}"]').drag_to(
        page.locator(".board-column.stage-vision .board-cards")
    )
    expect(page.locator("#board-status")).to_contain_text("Moved.")
    assert _stage(run_db, alpha, deal) == "vision"

    # Line rows of an order and of a demand plan, tiers of a promotion (lines.js,
    # promotions.js): the buttons are shown by the script and add a row.
    for path, rows, button in (
        ("/sales/orders/new/", "[data-line-rows] tr", "Add a line"),
        ("/sales/demand-plans/new/", "[data-line-rows] tr", "Add a line"),
    ):
        page.goto(url(path))
        count = page.locator(rows).count()
        page.get_by_role("button", name=button).click()
        expect(page.locator(rows)).to_have_count(count + 1)
    page.goto(url("/sales/promotions/new/"))
    expect(page.locator("[data-tiers]")).to_be_hidden()
    page.get_by_label("Type").select_option("tiered_price")
    expect(page.locator("[data-tiers]")).to_be_visible()
    tiers = page.locator("[data-tier-rows] tr").count()
    page.get_by_role("button", name="Add a tier").click()
    expect(page.locator("[data-tier-rows] tr")).to_have_count(tiers + 1)

    # Pages with former inline styles, and the API docs (Swagger UI, local files).
    page.goto(url("/organisation/branches/"))
    indent = "getComputedStyle(document.querySelector('.indent[data-depth=\"%d\"]'))"
    indent += ".paddingInlineStart"
    assert page.evaluate(indent % 1) == "8px"  # 0.5rem, a sub-branch 1.5rem
    assert page.evaluate(indent % 2) == "24px"
    page.goto(url("/api/v1/docs/"))
    # (the schema is generated on request: give it time)
    expect(page.locator(".swagger-ui .title")).to_contain_text("Tradepost API", timeout=60_000)
    expect(page.locator(".opblock").first).to_be_visible()

    # The language switch sends its form on change (tradepost.js), then back.
    page.goto(url("/"))
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("select[name=language]").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
