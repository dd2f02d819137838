"""The pipeline's services: stage probabilities, creating, changing and moving
opportunities (reasons, closing and reopening, the follow-up after a win), the
weighted forecast's arithmetic and the board."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import Subscription
from tradepost.audit.models import AuditEntry
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.models import Opportunity, StageProbability

D = Decimal


def _opp(org, customer="rep_own", *, actor=None, **fields) -> Opportunity:
    values = {"name": "Kitchen refit", "amount": D("1000.00")}
    values.update(fields)
    return pipeline.opportunity_create(
        actor=actor or org.owner, customer=org.customers[customer], **values
    )


def _moves(opportunity) -> list[dict]:
    return list(
        AuditEntry.objects.filter(action="opportunity.moved", target_id=str(opportunity.pk))
        .order_by("pk")
        .values_list("data", flat=True)
    )


# --- Stage probabilities -------------------------------------------------------------
def test_probabilities_default_until_a_manager_sets_an_open_stage(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        assert pipeline.stage_probabilities() == {
            "prospect": 5,
            "interest": 10,
            "diagnosis": 20,
            "vision": 40,
            "proposal": 60,
            "negotiation": 80,
            "won": 100,
            "lost": 0,
        }
        manager = org.users["sales_manager"]
        assert pipeline.stage_probability_set(actor=manager, stage="proposal", probability=55) == 55
        assert pipeline.stage_probability_set(actor=manager, stage="vision", probability=35) == 35
        assert pipeline.stage_probabilities()["proposal"] == 55
        assert pipeline.stage_probabilities()["vision"] == 35
        entries = AuditEntry.objects.filter(action="stage_probability.changed")
        assert [entry.data for entry in entries.order_by("pk")] == [
            {"proposal": {"from": 60, "to": 55}},
            {"vision": {"from": 40, "to": 35}},
        ]
        # Setting the same value again records nothing.
        pipeline.stage_probability_set(actor=manager, stage="proposal", probability=55)
        assert entries.count() == 2


@pytest.mark.parametrize(
    ("stage", "probability", "field"),
    [
        ("proposal", 101, "probability"),
        ("proposal", -1, "probability"),
        ("won", 90, "stage"),
        ("lost", 10, "stage"),
        ("closing", 50, "stage"),
    ],
)
def test_bad_probabilities_are_refused_and_nothing_changes(sales_org, stage, probability, field):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            pipeline.stage_probability_set(
                actor=org.users["sales_manager"], stage=stage, probability=probability
            )
        assert field in refused.value.message_dict
        assert StageProbability.objects.count() == 0


def test_several_probabilities_are_set_all_or_nothing(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError):
            pipeline.stage_probabilities_set(
                actor=org.owner, probabilities={"prospect": 7, "interest": 500}
            )
        assert StageProbability.objects.count() == 0
        result = pipeline.stage_probabilities_set(
            actor=org.owner, probabilities={"prospect": 7, "interest": 15}
        )
        assert (result["prospect"], result["interest"], result["won"]) == (7, 15, 100)


@pytest.mark.parametrize("role", ["salesperson", "executive", "finance_manager", "dealer"])
def test_only_managers_set_probabilities(sales_org, role):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(PermissionDenied):
            pipeline.stage_probability_set(actor=org.users[role], stage="proposal", probability=50)
        assert StageProbability.objects.count() == 0


# --- Creating and changing -----------------------------------------------------------
def test_a_salesperson_opens_an_opportunity_for_their_customer(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        opportunity = _opp(
            org,
            actor=rep,
            amount=D("12500.5"),
            expected_close=datetime.date(2026, 9, 30),
            stage="diagnosis",
            next_step="  Site visit  ",
        )
        opportunity.refresh_from_db()
        assert opportunity.owner == rep  # the customer's salesperson
        assert opportunity.amount == D("12500.50")
        assert opportunity.currency == "CNY"  # the customer's
        assert (opportunity.stage, opportunity.next_step) == ("diagnosis", "Site visit")
        assert opportunity.closed_at is None
        entry = AuditEntry.objects.get(action="opportunity.created")
        assert entry.target_id == str(opportunity.pk) and entry.data["amount"] == "12500.50"


def test_the_owner_defaults_to_the_actor_when_the_customer_has_none(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        opportunity = _opp(org, "hangzhou_unowned", actor=manager, currency="USD")
        assert (opportunity.owner, opportunity.currency) == (manager, "USD")
        chosen = _opp(org, "hangzhou_unowned", actor=manager, owner=org.users["salesperson"])
        assert chosen.owner == org.users["salesperson"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"amount": D("-1")}, "amount"),
        ({"amount": D("1.005")}, "amount"),
        ({"amount": D("1e15")}, "amount"),
        ({"amount": D("NaN")}, "amount"),
        ({"currency": "XXX"}, "currency"),
        ({"stage": "won"}, "stage"),
        ({"stage": "nonsense"}, "stage"),
        ({"next_step": "x" * 301}, "next_step"),
    ],
)
def test_bad_opportunities_are_refused_with_the_field(sales_org, change, field):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _opp(org, **change)
        assert field in refused.value.message_dict
        assert Opportunity.objects.count() == 0


def test_an_inactive_owner_is_refused(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        gone = org.users["north_rep"]
        gone.is_active = False
        gone.save(update_fields=["is_active"])
        with pytest.raises(ValidationError) as refused:
            _opp(org, owner=gone)
        assert "owner" in refused.value.message_dict


def test_customers_out_of_scope_and_roles_without_the_permission_are_refused(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            _opp(org, "north", actor=org.users["salesperson"])
        assert "customer" in refused.value.message_dict
        for role in ("executive", "finance_manager", "warehouse_manager", "dealer"):
            with pytest.raises(PermissionDenied):
                _opp(org, actor=org.users[role])
        assert Opportunity.objects.count() == 0


def test_changing_an_opportunity_records_what_changed(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        opportunity = _opp(org, actor=rep)
        changed = pipeline.opportunity_update(
            actor=rep,
            opportunity=opportunity,
            amount=D("2000"),
            expected_close=datetime.date(2026, 12, 1),
            notes="Budget approved",
            name="Kitchen refit",  # unchanged
        )
        changed.refresh_from_db()
        assert (changed.amount, changed.notes) == (D("2000.00"), "Budget approved")
        entry = AuditEntry.objects.get(action="opportunity.updated")
        assert entry.data == {"changed": ["amount", "expected_close", "notes"]}
        # Nothing new: no audit entry.
        pipeline.opportunity_update(actor=rep, opportunity=opportunity, notes="Budget approved")
        assert AuditEntry.objects.filter(action="opportunity.updated").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stage": "won"}, "stage"),
        ({"customer": None}, "customer"),
        ({"closed_at": None}, "closed_at"),
        ({"amount": D("-5")}, "amount"),
        ({"name": ""}, "name"),
        ({"follow_up_on": datetime.date(2026, 1, 1)}, "follow_up_on"),  # not won
    ],
)
def test_bad_changes_are_refused(sales_org, change, field):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        with pytest.raises(ValidationError) as refused:
            pipeline.opportunity_update(actor=org.owner, opportunity=opportunity, **change)
        assert field in refused.value.message_dict
        opportunity.refresh_from_db()
        assert (opportunity.stage, opportunity.amount) == ("prospect", D("1000.00"))


def test_others_opportunities_cannot_be_changed_or_moved(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        with pytest.raises(PermissionDenied):
            pipeline.opportunity_update(
                actor=org.users["north_rep"], opportunity=opportunity, notes="mine"
            )
        with pytest.raises(PermissionDenied):
            pipeline.opportunity_move(
                actor=org.users["north_rep"], opportunity=opportunity, stage="interest"
            )
        with pytest.raises(PermissionDenied):
            pipeline.opportunity_move(
                actor=org.users["executive"], opportunity=opportunity, stage="interest"
            )
        # The East sales manager's scope covers the Shanghai salesperson's customer.
        moved = pipeline.opportunity_move(
            actor=org.users["sales_manager"], opportunity=opportunity, stage="interest"
        )
        assert moved.stage == "interest"


# --- Moving --------------------------------------------------------------------------
def test_moving_through_the_stages_is_audited_from_and_to(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        opportunity = _opp(org, actor=rep)
        pipeline.opportunity_move(actor=rep, opportunity=opportunity, stage="vision")
        pipeline.opportunity_move(actor=rep, opportunity=opportunity, stage="interest")
        # The stage it is in: nothing happens.
        pipeline.opportunity_move(actor=rep, opportunity=opportunity, stage="interest")
        opportunity.refresh_from_db()
        assert opportunity.stage == "interest"
        assert _moves(opportunity) == [
            {"from": "prospect", "to": "vision"},
            {"from": "vision", "to": "interest"},
        ]


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_closing_needs_a_reason(sales_org, stage):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        for reason in ("", "   "):
            with pytest.raises(ValidationError) as refused:
                pipeline.opportunity_move(
                    actor=org.owner, opportunity=opportunity, stage=stage, reason=reason
                )
            assert "reason" in refused.value.message_dict
        opportunity.refresh_from_db()
        assert (opportunity.stage, opportunity.closed_at) == ("prospect", None)
        assert _moves(opportunity) == []


def test_a_win_stamps_the_close_and_a_follow_up_thirty_days_later(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        opportunity = _opp(org, actor=rep, stage="negotiation")
        before = timezone.now()
        won = pipeline.opportunity_move(
            actor=rep, opportunity=opportunity, stage="won", reason="Best service offer"
        )
        won.refresh_from_db()
        assert won.stage == "won" and won.closed_at >= before
        assert won.close_reason == "Best service offer"
        assert won.follow_up_on == timezone.localdate() + datetime.timedelta(days=30)
        assert _moves(won) == [{"from": "negotiation", "to": "won", "reason": "Best service offer"}]
        # After the win the follow-up date can be changed.
        later = timezone.localdate() + datetime.timedelta(days=90)
        pipeline.opportunity_update(actor=rep, opportunity=won, follow_up_on=later)
        won.refresh_from_db()
        assert won.follow_up_on == later


def test_a_follow_up_date_given_with_the_win_is_kept_unless_before_it(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        with pytest.raises(ValidationError) as refused:
            pipeline.opportunity_move(
                actor=org.owner,
                opportunity=opportunity,
                stage="won",
                reason="Signed",
                follow_up_on=timezone.localdate() - datetime.timedelta(days=1),
            )
        assert "follow_up_on" in refused.value.message_dict
        soon = timezone.localdate() + datetime.timedelta(days=7)
        won = pipeline.opportunity_move(
            actor=org.owner,
            opportunity=opportunity,
            stage="won",
            reason="Signed",
            follow_up_on=soon,
        )
        assert won.follow_up_on == soon


def test_reopening_clears_the_close_and_a_lost_deal_has_no_follow_up(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        pipeline.opportunity_move(
            actor=org.owner, opportunity=opportunity, stage="won", reason="Signed"
        )
        lost = pipeline.opportunity_move(
            actor=org.owner, opportunity=opportunity, stage="lost", reason="Customer withdrew"
        )
        lost.refresh_from_db()
        assert (lost.stage, lost.close_reason, lost.follow_up_on) == (
            "lost",
            "Customer withdrew",
            None,
        )
        assert lost.closed_at is not None
        reopened = pipeline.opportunity_move(
            actor=org.owner, opportunity=opportunity, stage="proposal"
        )
        reopened.refresh_from_db()
        assert (reopened.stage, reopened.closed_at, reopened.close_reason) == (
            "proposal",
            None,
            "",
        )
        assert [move["to"] for move in _moves(opportunity)] == ["won", "lost", "proposal"]


def test_a_bad_stage_is_refused(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
        with pytest.raises(ValidationError) as refused:
            pipeline.opportunity_move(actor=org.owner, opportunity=opportunity, stage="closing")
        assert "stage" in refused.value.message_dict


def test_a_read_only_workspace_refuses_pipeline_writes(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        opportunity = _opp(org)
    Subscription.objects.filter(tenant=org.workspace.tenant).update(status="canceled")
    with schema_context(org.workspace.schema):
        with pytest.raises(PermissionDenied):
            _opp(org)
        with pytest.raises(PermissionDenied):
            pipeline.opportunity_move(actor=org.owner, opportunity=opportunity, stage="vision")
        with pytest.raises(PermissionDenied):
            pipeline.opportunity_update(actor=org.owner, opportunity=opportunity, notes="x")
        with pytest.raises(PermissionDenied):
            pipeline.stage_probability_set(actor=org.owner, stage="vision", probability=30)
        opportunity.refresh_from_db()
        assert (Opportunity.objects.count(), opportunity.stage) == (1, "prospect")


# --- Forecast ------------------------------------------------------------------------
MARCH = datetime.date(2026, 3, 1)
APRIL = datetime.date(2026, 4, 1)
MAY = datetime.date(2026, 5, 1)


def _forecast_book(org) -> None:
    """Open opportunities across months, owners and currencies, and some that never
    count (closed ones)."""

    def on(month: int, day: int) -> datetime.date:
        return datetime.date(2026, month, day)

    _opp(org, amount=D("1000.00"), stage="proposal", expected_close=on(3, 20))  # 600.00
    _opp(org, amount=D("333.33"), stage="vision", expected_close=on(4, 1))  # 133.332 → 133.33
    _opp(org, "north", amount=D("0.05"), stage="interest", expected_close=on(4, 30))  # 0.005 → 0.01
    _opp(org, "north", amount=D("0.05"), stage="interest", expected_close=on(4, 2))  # 0.01
    _opp(org, amount=D("200"), currency="USD", stage="negotiation", expected_close=on(5, 10))
    _opp(org, amount=D("100"), stage="prospect")  # no date: 5.00
    _opp(org, amount=D("50"), stage="diagnosis", expected_close=on(1, 5))  # overdue: 10.00
    _opp(org, amount=D("70"), stage="prospect", expected_close=on(9, 1))  # later: 3.50
    unassigned = _opp(
        org, "hangzhou_unowned", amount=D("10"), stage="proposal", expected_close=on(3, 1)
    )
    pipeline.opportunity_update(actor=org.owner, opportunity=unassigned, owner=None)
    for stage in ("won", "lost"):
        closed = _opp(org, amount=D("999"), stage="negotiation", expected_close=on(3, 5))
        pipeline.opportunity_move(actor=org.owner, opportunity=closed, stage=stage, reason="Done")


def test_the_forecast_weighs_open_opportunities_by_month_owner_and_currency(sales_org):
    org = sales_org
    rep, north = org.users["salesperson"], org.users["north_rep"]
    with schema_context(org.workspace.schema):
        _forecast_book(org)
        result = pipeline.forecast(actor=org.owner, months=3, start=datetime.date(2026, 3, 15))
        assert result.start == MARCH and result.months == [MARCH, APRIL, MAY]
        assert [c.currency for c in result.currencies] == ["CNY", "USD"]
        cny, usd = result.currencies

        lines = {line.owner_id: line for line in cny.lines}
        assert set(lines) == {rep.pk, north.pk, None}
        assert cny.lines[-1].owner_id is None and cny.lines[-1].owner_name == "Unassigned"
        mine = lines[rep.pk]
        assert mine.by_month == {MARCH: D("600.00"), APRIL: D("133.33"), MAY: D("0.00")}
        assert (mine.overdue, mine.later, mine.no_date) == (D("10.00"), D("3.50"), D("5.00"))
        assert mine.total == D("751.83")
        assert (mine.count, mine.amount) == (5, D("1553.33"))
        # Each opportunity is rounded first: 0.005 + 0.005 shows as 0.01 + 0.01.
        assert lines[north.pk].by_month[APRIL] == D("0.02")
        assert lines[None].by_month[MARCH] == D("6.00")

        totals = cny.totals
        assert totals.by_month == {MARCH: D("606.00"), APRIL: D("133.35"), MAY: D("0.00")}
        assert totals.total == D("757.85")
        assert totals.count == 8

        # US dollars are never added to yuan.
        assert [line.owner_id for line in usd.lines] == [rep.pk]
        assert usd.totals.by_month == {MARCH: D("0"), APRIL: D("0"), MAY: D("160.00")}
        assert usd.totals.total == D("160.00")


def test_the_forecast_uses_the_workspaces_probabilities_and_the_actors_scope(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        _forecast_book(org)
        pipeline.stage_probability_set(actor=org.owner, stage="proposal", probability=50)
        result = pipeline.forecast(actor=rep, months=2, start=MARCH)
        assert result.months == [MARCH, APRIL]
        cny = result.currencies[0]
        assert [line.owner_id for line in cny.lines] == [rep.pk]  # own customers only
        assert cny.totals.by_month[MARCH] == D("500.00")
        assert cny.totals.later == D("3.50")  # May's and September's fall after
        nobody = pipeline.forecast(actor=org.users["dealer"], start=MARCH)
        assert nobody.currencies == []


def test_only_mine_keeps_the_actors_own_opportunities(sales_org):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        _opp(org, "hangzhou_unowned", actor=manager, expected_close=MARCH)
        _opp(org, actor=manager, expected_close=MARCH)  # the salesperson's customer
        everything = pipeline.forecast(actor=manager, start=MARCH)
        mine = pipeline.forecast(actor=manager, start=MARCH, mine=True)
        assert everything.currencies[0].totals.count == 2
        assert [line.owner_id for line in mine.currencies[0].lines] == [manager.pk]


@pytest.mark.parametrize("months", [0, 25, -1, "6", 2.5, True])
def test_the_forecast_window_is_one_to_twenty_four_months(sales_org, months):
    org = sales_org
    with schema_context(org.workspace.schema):
        with pytest.raises(ValidationError) as refused:
            pipeline.forecast(actor=org.owner, months=months)
        assert "months" in refused.value.message_dict


def test_the_forecast_runs_past_the_year_end_and_defaults_to_this_month(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        result = pipeline.forecast(actor=org.owner, months=3, start=datetime.date(2026, 11, 30))
        assert result.months == [
            datetime.date(2026, 11, 1),
            datetime.date(2026, 12, 1),
            datetime.date(2027, 1, 1),
        ]
        assert pipeline.forecast(actor=org.owner).start == timezone.localdate().replace(day=1)
        with pytest.raises(ValidationError) as refused:
            pipeline.forecast(actor=org.owner, months=24, start=datetime.date(9999, 1, 1))
        assert "start" in refused.value.message_dict


def test_the_forecast_queries_do_not_grow_with_rows(sales_org, django_assert_num_queries):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        _opp(org, expected_close=MARCH)
        with django_assert_num_queries(5):  # scope (roles, staff profile) + 3
            pipeline.forecast(actor=manager, start=MARCH)
        _forecast_book(org)
        with django_assert_num_queries(5):
            result = pipeline.forecast(actor=manager, start=MARCH)
        assert result.currencies[0].totals.count == 7


# --- Board ---------------------------------------------------------------------------
def test_the_board_has_a_column_per_stage_with_totals_per_currency(sales_org):
    org = sales_org
    with schema_context(org.workspace.schema):
        first = _opp(org, amount=D("100.00"), stage="vision", expected_close=APRIL)
        second = _opp(org, amount=D("50.25"), stage="vision", expected_close=MARCH)
        _opp(org, amount=D("10"), currency="USD", stage="vision")
        won = _opp(org, amount=D("70"))
        pipeline.opportunity_move(actor=org.owner, opportunity=won, stage="won", reason="Yes")
        old = _opp(org, amount=D("80"))
        pipeline.opportunity_move(actor=org.owner, opportunity=old, stage="lost", reason="No")
        Opportunity.objects.filter(pk=old.pk).update(
            closed_at=timezone.now() - datetime.timedelta(days=31)
        )
        columns = {column.stage: column for column in pipeline.pipeline_board(org.owner)}
        assert list(columns) == [
            "prospect",
            "interest",
            "diagnosis",
            "vision",
            "proposal",
            "negotiation",
            "won",
            "lost",
        ]
        vision = columns["vision"]
        assert [card.pk for card in vision.cards][:2] == [second.pk, first.pk]  # next close first
        assert vision.count == 3 and vision.probability == 40
        assert vision.totals == [
            pipeline.CurrencyTotal("CNY", 2, D("150.25"), D("60.10")),
            pipeline.CurrencyTotal("USD", 1, D("10.00"), D("4.00")),
        ]
        assert vision.cards[0].weighted_amount == D("20.10")
        assert [card.pk for card in columns["won"].cards] == [won.pk]
        assert columns["won"].totals[0].weighted == D("70.00")
        assert columns["lost"].cards == []  # closed more than 30 days ago


def test_the_board_filters_and_caps_each_column(sales_org):
    org = sales_org
    rep = org.users["salesperson"]
    with schema_context(org.workspace.schema):
        for index in range(4):
            _opp(org, name=f"Deal {index}", actor=rep)
        _opp(org, "hangzhou_unowned", name="Hangzhou stores", actor=org.users["sales_manager"])
        manager = org.users["sales_manager"]
        board = pipeline.pipeline_board(manager, per_column=3)
        prospect = board[0]
        assert (len(prospect.cards), prospect.count, prospect.more) == (3, 5, 2)
        mine = pipeline.pipeline_board(manager, mine=True)[0]
        assert [card.name for card in mine.cards] == ["Hangzhou stores"]
        found = pipeline.pipeline_board(manager, search="明达")[0]  # the customer's name
        assert found.count == 4
        assert pipeline.pipeline_board(rep, search="hangzhou")[0].count == 0


def test_the_board_queries_do_not_grow_with_rows(sales_org, django_assert_num_queries):
    org = sales_org
    manager = org.users["sales_manager"]
    with schema_context(org.workspace.schema):
        _opp(org)
        with django_assert_num_queries(6):  # scope (roles, staff profile) + 4
            pipeline.pipeline_board(manager)
        for index in range(6):
            _opp(org, name=f"Deal {index}", stage=("prospect", "vision")[index % 2])
        pipeline.opportunity_move(
            actor=org.owner, opportunity=_opp(org), stage="won", reason="Signed"
        )
        with django_assert_num_queries(6):
            columns = pipeline.pipeline_board(manager)
            names = [(card.customer.name, card.owner.email) for c in columns for card in c.cards]
        assert len(names) == 8
