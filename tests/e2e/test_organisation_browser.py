"""The organisation pages in a real browser, on a desktop (1440 px) and a phone
(390 px): the org chart nests people under their managers, each level further in,
and neither it, the staff list nor the audit log scrolls sideways."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from tests.support.browser import sign_in
from tradepost.accounts.models import User
from tradepost.audit.models import AuditEntry
from tradepost.masterdata import services as md
from tradepost.masterdata.models import Branch

pytestmark = pytest.mark.e2e

PEOPLE = [  # (e-mail, name, role, reports to)
    ("e2e-head@alpha.test", "Wang Jianguo 王建国 (Sales director)", "sales_manager", None),
    ("e2e-lead@alpha.test", "Li Xiaomei 李晓梅", "sales_manager", "e2e-head@alpha.test"),
    (
        "e2e-rep@alpha.test",
        "Zhang Wei 张伟, key accounts East",
        "salesperson",
        "e2e-lead@alpha.test",
    ),
    ("e2e-deep@alpha.test", "Chen Jing 陈静", "salesperson", "e2e-rep@alpha.test"),
]


@pytest.fixture
def chain(run_db, platform_workspaces):
    """Four people in one reporting line in alpha, committed; removed afterwards."""
    alpha = platform_workspaces["alpha"]

    def create():
        with schema_context(alpha.schema):
            owner = alpha.owner()
            last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            branch = md.tree_node_create(
                actor=owner, model=Branch, name="E2E Org 华东", code="E2E-ORG"
            )
            made = {}
            for email, name, role, manager in PEOPLE:
                user = User.objects.create_user(email=email, full_name=name)
                user.groups.set([Group.objects.get(name=role)])
                md.staff_profile_update(
                    actor=owner,
                    user=user,
                    branch=branch,
                    manager=made.get(manager),
                    title="Regional sales director 区域销售总监" if manager is None else "",
                )
                made[email] = user
            return last

    last_audit = run_db(create)

    def remove():
        with schema_context(alpha.schema):
            User.objects.filter(email__startswith="e2e-", email__endswith="@alpha.test").delete()
            Branch.objects.filter(code="E2E-ORG").delete()
            AuditEntry.objects.filter(pk__gt=last_audit).delete()

    yield
    run_db(remove)


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow


@pytest.mark.parametrize("width", [1440, 390])
def test_the_org_chart_and_its_neighbours_read_on_desktop_and_phone(
    page, web_server, platform_workspaces, chain, width
):
    alpha = platform_workspaces["alpha"]
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, web_server, alpha)

    page.goto(web_server.workspace_url(alpha.slug, "/organisation/chart/"))
    boxes = [
        page.locator(".org-person", has_text=name).first.bounding_box()
        for _email, name, _role, _manager in PEOPLE
    ]
    page.screenshot(path=f"test-results/org-chart-{width}.png", full_page=True)

    expect(page.locator(".org-person", has_text="Chen Jing 陈静")).to_be_visible()
    lefts = [box["x"] for box in boxes]
    assert lefts == sorted(lefts) and len(set(lefts)) == 4, lefts  # each level further in
    assert all(box["x"] + box["width"] <= width for box in boxes)
    _no_sideways_scroll(page)

    for path in ("/organisation/staff/", "/settings/audit/"):
        page.goto(web_server.workspace_url(alpha.slug, path))
        expect(page.locator("main")).to_contain_text("Zhang Wei")
        page.screenshot(
            path=f"test-results/org{path.replace('/', '-')}{width}.png", full_page=False
        )
        _no_sideways_scroll(page)
