"""The monthly stock report equals the stock ledger, figure by figure: every row of
every month against sums over the raw moves, openings chaining to the previous
closings, the closing identity, the balances at the end — and a rebuild from the
ledger gives the very same rows."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import schema_context

from tests.reports.moves import two_months_of_moves
from tradepost.inventory.models import StockBalance
from tradepost.reports import rollup
from tradepost.reports.models import StockMonthly
from tradepost.reports.rollup import ledger_month_figures
from tradepost.reports.selectors import StockMonthlyFilter, stock_monthly_report

D = Decimal


def _report(month) -> dict[tuple[int, int], dict[str, Decimal]]:
    return {
        (row.product_id, row.location_id): row.figures
        for row in stock_monthly_report(StockMonthlyFilter(month=month))
    }


def _identity_holds(f: dict[str, Decimal], unit: str) -> bool:
    inflow = f[f"receipts_{unit}"] + f[f"transfers_in_{unit}"] + f[f"returns_{unit}"]
    outflow = f[f"deliveries_{unit}"] + f[f"transfers_out_{unit}"]
    return (
        f[f"closing_{unit}"] == f[f"opening_{unit}"] + inflow - outflow + f[f"adjustments_{unit}"]
    )


def test_every_figure_of_every_row_equals_the_ledger(sales_org):
    history = two_months_of_moves(sales_org)
    tea, mug = history.tea.pk, history.mug.pk
    wh, store = history.warehouse.pk, history.store.pk
    with schema_context(sales_org.schema):
        months = [history.first, history.second, rollup.current_month()]
        reports = {month: _report(month) for month in months}

        for month in months:
            ledger = ledger_month_figures(month)
            assert set(reports[month]) == set(ledger), month
            for key, figures in reports[month].items():
                assert figures == ledger[key], (month, key)
                assert _identity_holds(figures, "qty") and _identity_holds(figures, "value")
        for earlier, later in zip(months, months[1:], strict=False):
            for key, figures in reports[later].items():
                before = reports[earlier].get(key)
                closing = (before["closing_qty"], before["closing_value"]) if before else (0, 0)
                assert (figures["opening_qty"], figures["opening_value"]) == closing

        # The figures a warehouse expects, worked out by hand.
        first_tea = reports[history.first][(tea, wh)]
        assert first_tea["opening_qty"] == 0
        assert first_tea["adjustments_qty"] == D("40")  # opening stock entered
        assert (first_tea["receipts_qty"], first_tea["receipts_value"]) == (D(60), D(750))
        assert first_tea["deliveries_qty"] == D(25)
        assert first_tea["transfers_out_qty"] == D(15)
        assert first_tea["closing_qty"] == D(60)
        # Still on its way at the month's end: nothing at the store yet.
        assert (mug, store) not in reports[history.first]
        second_tea = reports[history.second][(tea, wh)]
        assert second_tea["returns_qty"] == D(4)
        assert second_tea["adjustments_qty"] == D(-1)  # counted 63 of 64
        assert second_tea["closing_qty"] == D(63)
        second_mug_store = reports[history.second][(mug, store)]
        assert (second_mug_store["transfers_in_qty"], second_mug_store["adjustments_qty"]) == (
            D(30),
            D(-2),
        )
        assert second_mug_store["closing_qty"] == D(28)
        # Received at 3.3333: value kept to every place, not rounded per move.
        assert reports[history.first][(mug, wh)]["receipts_value"] == D("333.33")

        # Nothing moved this month: last month's closing is carried, and it is what
        # the balances hold now.
        now = reports[rollup.current_month()]
        for (product, location), figures in now.items():
            balance = StockBalance.objects.get(product_id=product, location_id=location)
            assert figures["closing_qty"] == balance.on_hand
        assert now[(tea, wh)]["opening_qty"] == now[(tea, wh)]["closing_qty"] == D(63)
        assert now[(tea, wh)]["receipts_qty"] == 0


def test_a_rebuild_from_the_ledger_gives_the_rows_the_postings_kept(sales_org):
    history = two_months_of_moves(sales_org)
    with schema_context(sales_org.schema):
        months = [history.first, history.second, rollup.current_month()]
        kept = {month: _report(month) for month in months}
        rows_before = StockMonthly.objects.filter(month=history.first).count()

        assert rollup.stock_monthly_rebuild(month=history.first) == rows_before
        assert {month: _report(month) for month in months} == kept
        # Rebuilt again: the same rows (idempotent); the current month now has a row
        # for every product and location holding stock.
        rollup.stock_monthly_rebuild(month=history.first)
        assert {month: _report(month) for month in months} == kept
        assert StockMonthly.objects.filter(month=rollup.current_month()).count() == len(
            kept[rollup.current_month()]
        )
