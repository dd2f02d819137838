"""The price-adjustment pages: the list, the create form, the detail page with its
dealers' lines and the review / post / cancel buttons per permission, the dealers'
stock page and the settlement credits — errors shown on the form with a 400, another
workspace kept out, list queries that do not grow with rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.channel.test_adjustments import _franchise, _report
from tests.support.queries import assert_list_queries
from tradepost.channel import adjustments
from tradepost.channel.models import DealerStockReport, PriceAdjustment
from tradepost.sales.models import SettlementCredit

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LISTS = ["/sales/adjustments/", "/sales/stock-reports/", "/sales/credits/"]


@pytest.fixture
def stocked(sales_org):
    """The Beijing dealer holds 10 kettles, the East franchisee 2."""
    org = sales_org
    with schema_context(org.workspace.schema):
        franchise = _franchise(org)
        _report(org, org.customers["dealer"], "10", TODAY - DAY)
        _report(org, franchise, "2", TODAY)
    return franchise


def _adjustment(org, **changes) -> PriceAdjustment:
    fields = {
        "product": org.products["kettle"],
        "new_price": Decimal("149.99"),
        "effective_on": TODAY,
        "basis": "reported_stock",
        **changes,
    }
    with schema_context(org.workspace.schema):
        return adjustments.price_adjustment_create(actor=org.owner, **fields)


def _fresh(org, adjustment) -> PriceAdjustment:
    with schema_context(org.workspace.schema):
        return PriceAdjustment.objects.get(pk=adjustment.pk)


def _step(org, adjustment, step, who="owner"):
    service = getattr(adjustments, f"price_adjustment_{step}")
    actor = org.owner if who == "owner" else org.users[who]
    with schema_context(org.workspace.schema):
        return service(actor=actor, adjustment=adjustment)


def _form(org, **changes):
    return {
        "product": org.products["kettle"].pk,
        "new_price": "149.99",
        "effective_on": TODAY.isoformat(),
        "basis": "reported_stock",
        "window_days": "30",
        **changes,
    }


# --- The list and the form ---------------------------------------------------------------
def test_an_empty_list_invites_the_manager_to_record_a_drop(sales_org):
    page = sales_org.client("sales_manager").get("/sales/adjustments/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "No price adjustments yet." in body
    assert 'href="/sales/adjustments/new/"' in body


def test_the_list_shows_adjustments_and_filters_by_status(sales_org, stocked):
    draft = _adjustment(sales_org)
    approved = _step(sales_org, _adjustment(sales_org, new_price=Decimal("120.00")), "approve")
    client = sales_org.client("salesperson")

    everything = client.get("/sales/adjustments/").content.decode()
    only_approved = client.get("/sales/adjustments/?status=approved").content.decode()

    assert draft.number in everything and approved.number in everything
    assert approved.number in only_approved and draft.number not in only_approved
    assert "/sales/adjustments/new/" not in everything  # a salesperson cannot create


@pytest.mark.parametrize("role", ["dealer", "warehouse_manager"])
def test_roles_without_the_permission_get_403(sales_org, role):
    client = sales_org.client(role)
    assert client.get("/sales/adjustments/").status_code == 403
    assert client.get("/sales/adjustments/new/").status_code == 403


def test_a_manager_creates_an_adjustment_from_the_form(sales_org, stocked):
    client = sales_org.client("sales_manager")

    response = client.post("/sales/adjustments/new/", _form(sales_org, notes="Q4 price cut"))

    assert response.status_code == 302
    with schema_context(sales_org.workspace.schema):
        adjustment = PriceAdjustment.objects.get()
    assert response["Location"] == f"/sales/adjustments/{adjustment.pk}/"
    assert adjustment.total == Decimal("588.12")
    page = client.get(response["Location"]).content.decode()
    assert stocked.name in page
    assert sales_org.customers["dealer"].name not in page  # the Beijing dealer is not theirs
    assert "1 more dealer outside your customers is in the total." in page
    assert "588.12" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"new_price": "199.00"}, "The new price must be lower than the old price (199.00)."),
        ({"new_price": ""}, "This field is required."),
        ({"new_price": "1.001"}, "Ensure that there are no more than 2 decimal places."),
        ({"window_days": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"effective_on": "1999-01-01"}, "Choose a day from 2000-01-01"),
        ({"basis": "rumour"}, "Select a valid choice."),
        ({"currency": "USD"}, "Enter the old price in USD"),
    ],
)
def test_bad_input_is_shown_on_the_form_with_400(sales_org, changes, message):
    response = sales_org.client("sales_manager").post(
        "/sales/adjustments/new/", _form(sales_org, **changes)
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    with schema_context(sales_org.workspace.schema):
        assert not PriceAdjustment.objects.exists()


def test_a_salesperson_cannot_post_the_form(sales_org):
    response = sales_org.client("salesperson").post("/sales/adjustments/new/", _form(sales_org))
    assert response.status_code == 403
    with schema_context(sales_org.workspace.schema):
        assert not PriceAdjustment.objects.exists()


# --- The detail page -----------------------------------------------------------------------
def test_buttons_follow_the_status_and_the_permission(sales_org, stocked):
    adjustment = _adjustment(sales_org)
    path = f"/sales/adjustments/{adjustment.pk}/"

    def buttons(who):
        body = sales_org.client(who).get(path).content.decode()
        return {
            label
            for label in ("Compute again", "Approve", "Post credits", "Cancel adjustment")
            if f">{label}</button>" in body
        }

    assert buttons("sales_manager") == {"Compute again", "Approve", "Cancel adjustment"}
    assert buttons("finance_manager") == {"Approve", "Cancel adjustment"}
    assert buttons("salesperson") == buttons("executive") == set()
    _step(sales_org, adjustment, "approve")
    assert buttons("finance_manager") == {"Post credits", "Cancel adjustment"}
    assert buttons("sales_manager") == {"Cancel adjustment"}


def test_a_line_is_corrected_on_the_page_and_bad_quantities_are_shown(sales_org, stocked):
    adjustment = _adjustment(sales_org)
    client = sales_org.client("sales_manager")
    path = f"/sales/adjustments/{adjustment.pk}/lines/"

    saved = client.post(path, {"dealer": stocked.pk, "quantity": "3"})
    bad = client.post(path, {"dealer": stocked.pk, "quantity": "-1"})
    out_of_scope = client.post(path, {"dealer": sales_org.customers["dealer"].pk, "quantity": "1"})

    assert saved.status_code == 302
    assert bad.status_code == 400
    assert "Ensure this value is greater than or equal to 0." in bad.content.decode()
    assert out_of_scope.status_code == 400
    assert "Select a valid choice." in out_of_scope.content.decode()
    assert _fresh(sales_org, adjustment).total == Decimal("637.13")  # (10 + 3) × 49.01
    assert client.get(f"/sales/adjustments/{adjustment.pk}/").status_code == 200
    refused = sales_org.client("salesperson").post(path, {"dealer": stocked.pk, "quantity": "9"})
    assert refused.status_code == 403


def test_approving_posting_and_posting_again_from_the_page(sales_org, stocked):
    adjustment = _adjustment(sales_org)
    finance = sales_org.client("finance_manager")
    base = f"/sales/adjustments/{adjustment.pk}"

    early = finance.post(f"{base}/post/")
    approved = finance.post(f"{base}/approve/")
    posted = finance.post(f"{base}/post/")
    again = finance.post(f"{base}/post/")

    assert early.status_code == 400
    assert "cannot be posted" in early.content.decode()
    assert approved.status_code == posted.status_code == 302
    assert again.status_code == 400
    assert "already posted" in again.content.decode()
    with schema_context(sales_org.workspace.schema):
        assert SettlementCredit.objects.filter(price_adjustment=adjustment).count() == 2
    page = finance.get(f"{base}/").content.decode()
    assert "Credits posted" in page and "490.10" in page and "98.02" in page
    assert sales_org.client("sales_manager").post(f"{base}/cancel/").status_code == 400


def test_a_salesperson_cannot_approve_and_an_unknown_step_is_404(sales_org, stocked):
    adjustment = _adjustment(sales_org)
    client = sales_org.client("salesperson")
    assert client.post(f"/sales/adjustments/{adjustment.pk}/approve/").status_code == 403
    assert client.post(f"/sales/adjustments/{adjustment.pk}/explode/").status_code == 404
    # A reload of a step's answer goes back to the adjustment's page, never a 405.
    reload = client.get(f"/sales/adjustments/{adjustment.pk}/approve/")
    assert (reload.status_code, reload["Location"]) == (302, f"/sales/adjustments/{adjustment.pk}/")
    assert _fresh(sales_org, adjustment).status == PriceAdjustment.Status.DRAFT


def test_cancelling_from_the_page(sales_org, stocked):
    adjustment = _adjustment(sales_org)
    response = sales_org.client("sales_manager").post(
        f"/sales/adjustments/{adjustment.pk}/cancel/", {"reason": "Price stays"}
    )
    assert response.status_code == 302
    assert _fresh(sales_org, adjustment).status == PriceAdjustment.Status.CANCELLED


def test_an_empty_adjustment_says_what_to_do_next(sales_org):
    adjustment = _adjustment(sales_org)
    body = sales_org.client("sales_manager").get(f"/sales/adjustments/{adjustment.pk}/")
    assert "quantity below, or compute again after new stock reports" in body.content.decode()


# --- Stock reports -------------------------------------------------------------------------
def test_a_dealer_reports_its_stock_and_sees_only_its_own(sales_org, stocked):
    client = sales_org.client("dealer")
    dealer = sales_org.customers["dealer"]

    form = client.get("/sales/stock-reports/").content.decode()
    saved = client.post(
        "/sales/stock-reports/",
        {
            "dealer": dealer.pk,
            "product": sales_org.products["kettle"].pk,
            "quantity": "7.5",
            "as_of": TODAY.isoformat(),
        },
    )
    refused = client.post(
        "/sales/stock-reports/",
        {
            "dealer": stocked.pk,
            "product": sales_org.products["kettle"].pk,
            "quantity": "1",
            "as_of": TODAY.isoformat(),
        },
    )

    assert f'<option value="{dealer.pk}" selected>' in form
    assert stocked.name not in form
    assert saved.status_code == 302
    assert refused.status_code == 400
    page = client.get("/sales/stock-reports/").content.decode()
    assert "7.500" in page and stocked.name not in page
    with schema_context(sales_org.workspace.schema):
        assert DealerStockReport.objects.filter(dealer=dealer).count() == 2  # yesterday, today


def test_a_future_day_is_refused_on_the_stock_form(sales_org):
    response = sales_org.client("dealer").post(
        "/sales/stock-reports/",
        {
            "dealer": sales_org.customers["dealer"].pk,
            "product": sales_org.products["kettle"].pk,
            "quantity": "1",
            "as_of": (TODAY + DAY).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Stock can be reported up to today, not ahead." in response.content.decode()


def test_roles_on_the_stock_page(sales_org):
    assert sales_org.client("warehouse_manager").get("/sales/stock-reports/").status_code == 403
    executive = sales_org.client("executive")
    page = executive.get("/sales/stock-reports/")
    assert page.status_code == 200 and "Report stock" not in page.content.decode()
    posted = executive.post("/sales/stock-reports/", {"quantity": "1"})
    assert posted.status_code == 403


def test_an_empty_stock_page_points_to_the_form(sales_org):
    body = sales_org.client("salesperson").get("/sales/stock-reports/").content.decode()
    assert "none is among your customers" in body  # the salesperson has no dealer
    body = sales_org.client("dealer").get("/sales/stock-reports/").content.decode()
    assert "Report the first figure with the form above." in body


# --- Credits -------------------------------------------------------------------------------
def test_each_sees_the_credits_of_its_own_customers(sales_org, stocked):
    adjustment = _step(sales_org, _step(sales_org, _adjustment(sales_org), "approve"), "post")

    dealer_page = sales_org.client("dealer").get("/sales/credits/").content.decode()
    finance_page = sales_org.client("finance_manager").get("/sales/credits/").content.decode()

    assert "490.10" in dealer_page and "98.02" not in dealer_page
    assert "490.10" in finance_page and "98.02" in finance_page
    assert adjustment.number in finance_page
    assert sales_org.client("warehouse_manager").get("/sales/credits/").status_code == 403
    empty = sales_org.client("north_rep").get("/sales/credits/").content.decode()
    assert "490.10" in empty  # the north rep owns the Beijing dealer


def test_the_credit_list_filters_as_the_api_does_and_shows_a_bad_value(sales_org, stocked):
    _step(sales_org, _step(sales_org, _adjustment(sales_org), "approve"), "post")
    dealer = sales_org.customers["dealer"]
    client = sales_org.client("finance_manager")

    page = client.get("/sales/credits/", {"customer": dealer.pk}).content.decode()
    api = sales_org.api("finance_manager").rows("/api/v1/settlement-credits/", customer=dealer.pk)
    searched = client.get("/sales/credits/", {"q": stocked.name}).content.decode()
    bad = client.get("/sales/credits/", {"status": "nonsense"})

    assert "490.10" in page and "98.02" not in page
    assert [row["amount"] for row in api] == ["490.10"]
    assert "98.02" in searched and "490.10" not in searched
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    assert "490.10" in bad.content.decode() and "98.02" in bad.content.decode()
    refused = sales_org.api("finance_manager").get(
        "/api/v1/settlement-credits/", {"status": "nonsense"}
    )
    assert refused.status_code == 400


def test_the_stock_page_filters_as_the_api_does(sales_org, stocked):
    dealer = sales_org.customers["dealer"]
    client = sales_org.client("owner")

    page = client.get("/sales/stock-reports/", {"dealer": dealer.pk}).content.decode()
    api = sales_org.api("owner").rows("/api/v1/dealer-stock-reports/", dealer=dealer.pk)
    searched = client.get("/sales/stock-reports/", {"q": stocked.name}).content.decode()

    def rows(body: str, customer) -> bool:
        return f'data-label="Dealer">{customer.name}</td>' in body

    assert [row["dealer"] for row in api] == [dealer.pk]
    assert rows(page, dealer) and not rows(page, stocked)
    assert rows(searched, stocked) and not rows(searched, dealer)
    assert f'<input type="hidden" name="dealer" value="{dealer.pk}">' in page


def test_no_credits_yet_says_where_they_come_from(sales_org):
    body = sales_org.client("dealer").get("/sales/credits/").content.decode()
    assert "No credits yet." in body


def test_pages_render_in_simplified_chinese(sales_org, stocked):
    adjustment = _adjustment(sales_org, basis="deliveries", window_days=7)
    client = sales_org.client("owner")
    client.cookies["django_language"] = "zh-hans"

    for url in (*LISTS, f"/sales/adjustments/{adjustment.pk}/", "/sales/adjustments/new/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-hans">' in response.content.decode()


# --- Another workspace ---------------------------------------------------------------------
def test_another_workspace_cannot_open_or_act_on_alpha_adjustments(
    sales_org, beta_sales_org, stocked
):
    adjustment = _adjustment(sales_org)
    beta = beta_sales_org.client("owner")

    assert beta.get(f"/sales/adjustments/{adjustment.pk}/").status_code == 404
    for step in ("approve", "recompute", "cancel", "post"):
        assert beta.post(f"/sales/adjustments/{adjustment.pk}/{step}/").status_code == 404
    assert beta.post(f"/sales/adjustments/{adjustment.pk}/lines/", {}).status_code == 404
    assert adjustment.number not in beta.get("/sales/adjustments/").content.decode()
    assert stocked.name not in beta.get("/sales/stock-reports/").content.decode()
    assert _fresh(sales_org, adjustment).status == PriceAdjustment.Status.DRAFT


# --- Query counts --------------------------------------------------------------------------
def _grow(org, index):
    with schema_context(org.workspace.schema):
        dealer = _franchise(org, name=f"Grow {index}", code=f"GROW-{index}")
        _report(org, dealer, "3", TODAY - index * DAY)
        _report(org, dealer, "4", TODAY - index * DAY, product="toaster")
        adjustment = adjustments.price_adjustment_create(
            actor=org.owner,
            product=org.products["toaster"],
            new_price=Decimal("200.00"),
            effective_on=TODAY - index * DAY,
            basis="reported_stock",
        )
        adjustment = adjustments.price_adjustment_approve(actor=org.owner, adjustment=adjustment)
        adjustments.price_adjustment_post(actor=org.owner, adjustment=adjustment)


@pytest.mark.parametrize(
    ("path", "queries"),
    [("/sales/adjustments/", 7), ("/sales/stock-reports/", 13), ("/sales/credits/", 9)],
)
def test_list_queries_do_not_grow_with_rows(sales_org, path, queries):
    client = sales_org.client("sales_manager")
    _grow(sales_org, 0)

    def grow():
        for index in range(1, 8):
            _grow(sales_org, index)

    body = assert_list_queries(lambda: client.get(path), grow, queries=queries).content.decode()
    assert "Grow 7" in body or "PA-" in body


def test_the_detail_query_count_does_not_grow_with_dealers(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        _report(org, _franchise(org), "1", TODAY)
    adjustment = _adjustment(org)
    client = org.client("sales_manager")
    path = f"/sales/adjustments/{adjustment.pk}/"

    def grow():
        with schema_context(org.workspace.schema):
            for index in range(8):
                dealer = _franchise(org, name=f"Many {index}", code=f"MANY-{index}")
                adjustments.price_adjustment_line_set(
                    actor=org.owner, adjustment=adjustment, dealer=dealer, quantity=Decimal("1")
                )

    body = assert_list_queries(lambda: client.get(path), grow, queries=14).content.decode()
    assert "Many 7" in body
