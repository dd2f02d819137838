"""Pipeline pages: the kanban board (`sales:pipeline`), the opportunity list, entering,
editing and moving an opportunity, its page with its quotes and stage history, the
weighted forecast (`sales:forecast`) and the stage-probability settings.

Moving works three ways, all through `pipeline.opportunity_move`: dragging a card on
the board (`pipeline/pipeline.js` POSTs to the move URL and asks for a reason when the
card lands on won or lost), the "Move to…" select on each card (plain form, no
JavaScript needed — the way on a phone), and the move page, which is also where a
refused move (won or lost without a reason) lands with its error and status 400.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.audit.selectors import audit_history
from tradepost.customers import selectors as customer_selectors
from tradepost.customers.forms import CustomerChoice, DateInput, UserChoice
from tradepost.lifecycle import permitted
from tradepost.masterdata.models import Currency
from tradepost.pipeline import services as pipeline
from tradepost.pipeline.filters import OpportunityListFilter
from tradepost.pipeline.models import CLOSED_STAGES, OPEN_STAGES, Opportunity, Stage
from tradepost.principals import Actor
from tradepost.workspace.forms import MoneyField, TypeaheadSelect, service_call
from tradepost.workspace.lists import list_page, query_id

ROWS_PER_PAGE = 50
MAX_SEARCH = 100
OWNER_ROLES = (Role.SALESPERSON.value, Role.SALES_MANAGER.value, Role.SYSTEM_ADMINISTRATOR.value)


# --- Forms ---------------------------------------------------------------------------
def _owners(actor: Actor, current: User | None = None):
    """People who sell, as far as the actor's scope reaches (`users_visible_to`: a
    salesperson only themselves, a sales manager their team), and the current owner,
    whoever it is."""
    sellers = customer_selectors.users_visible_to(actor).filter(groups__name__in=OWNER_ROLES)
    people = Q(pk__in=sellers.values("pk"))
    if current is not None:
        people |= Q(pk=current.pk)
    return User.objects.filter(people).order_by("full_name", "email", "pk")


class OpportunityForm(forms.Form):
    """An opportunity's fields; the customer and the stage only when it is new, the
    follow-up date only once won."""

    customer = CustomerChoice(
        queryset=None, label=gettext_lazy("Customer"), widget=TypeaheadSelect("customer")
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=pipeline.MAX_NAME)
    amount = MoneyField(label=gettext_lazy("Amount"))
    currency = forms.ChoiceField(
        label=gettext_lazy("Currency"),
        choices=[("", gettext_lazy("The customer's currency")), *Currency.choices],
        required=False,
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Stage"),
        choices=[(str(stage), stage.label) for stage in OPEN_STAGES],
        initial=Stage.PROSPECT,
    )
    expected_close = forms.DateField(
        label=gettext_lazy("Expected close"), required=False, widget=DateInput()
    )
    owner = UserChoice(
        label=gettext_lazy("Owner"),
        queryset=User.objects.none(),
        required=False,
        help_text=gettext_lazy("Empty: the customer's salesperson, else you."),
    )
    next_step = forms.CharField(
        label=gettext_lazy("Next step"), max_length=pipeline.MAX_NEXT_STEP, required=False
    )
    follow_up_on = forms.DateField(
        label=gettext_lazy("Follow up on"), required=False, widget=DateInput()
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=pipeline.MAX_NOTES,
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )

    def __init__(self, *args, actor: Actor, opportunity: Opportunity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # a ModelChoiceField
        self.fields["owner"].queryset = _owners(actor, opportunity.owner if opportunity else None)  # type: ignore[attr-defined]
        if opportunity is None:
            self.fields["customer"].queryset = (  # type: ignore[attr-defined]  # a ModelChoiceField
                customer_selectors.customers_visible_to(actor)
                .filter(is_active=True)
                .order_by("name", "pk")
            )
            del self.fields["follow_up_on"]
        else:
            del self.fields["customer"]
            del self.fields["stage"]
            self.fields["currency"].choices = Currency.choices  # type: ignore[attr-defined]
            self.fields["currency"].required = True
            self.fields["owner"].help_text = ""
            if opportunity.stage != Stage.WON:
                del self.fields["follow_up_on"]


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label=gettext_lazy("Move to"), choices=pipeline.stages())
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=pipeline.MAX_REASON,
        required=False,
        help_text=gettext_lazy("Required for won and lost: why it was won or lost."),
    )
    follow_up_on = forms.DateField(
        label=gettext_lazy("Follow up on"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("For a win: when to check back (default: in 30 days)."),
    )


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class ForecastForm(forms.Form):
    months = forms.IntegerField(
        label=gettext_lazy("Months"),
        min_value=1,
        max_value=pipeline.MAX_FORECAST_MONTHS,
        required=False,
        initial=6,
    )
    start = forms.DateField(
        label=gettext_lazy("Starting month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=MonthInput(),
    )
    mine = forms.BooleanField(label=gettext_lazy("Only mine"), required=False)


class ProbabilityForm(forms.Form):
    """One field per open stage; won (100 %) and lost (0 %) are fixed."""

    def __init__(self, *args, settings: list[pipeline.StageSetting], **kwargs):
        super().__init__(*args, **kwargs)
        for setting in settings:
            if setting.configurable:
                self.fields[setting.stage] = forms.IntegerField(
                    label=setting.label,
                    min_value=0,
                    max_value=100,
                    initial=setting.probability,
                    widget=forms.NumberInput({"inputmode": "numeric"}),
                )


# --- Helpers -------------------------------------------------------------------------
def _search_text(request: HttpRequest) -> str:
    return request.GET.get("q", "").replace("\x00", "").strip()[:MAX_SEARCH]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# --- Board and list ------------------------------------------------------------------
@login_required
@permission_required("pipeline.view_opportunity", raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    """The kanban board: a column per stage; drag a card, or use its "Move to…"."""
    mine = request.GET.get("mine") == "1"
    text = _search_text(request)
    columns = pipeline.pipeline_board(request.user, mine=mine, search=text)
    can_move = permitted(request.user, pipeline.LIFECYCLE["move"].permission)  # any card
    context = {
        "columns": columns,
        "mine": mine,
        "text": text,
        "filtered": bool(mine or text),
        "empty": not any(column.count for column in columns),
        "can_move": can_move,
        "stages": pipeline.stages(),
        "closed_stages": [str(stage) for stage in CLOSED_STAGES],
        "closed_days": pipeline.RECENTLY_CLOSED_DAYS,
        "here": request.get_full_path(),
        "move_form": MoveForm(),
    }
    return render(request, "pipeline/board.html", context)


@login_required
@permission_required("pipeline.view_opportunity", raise_exception=True)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    """Every opportunity in scope (closed ones too), 50 a page; the board's "show all"."""
    rows = pipeline.with_weight(pipeline.opportunity_list(request.user))
    context = list_page(
        request, rows, OpportunityListFilter, per_page=ROWS_PER_PAGE, saved_filters="opportunities"
    )
    return render(request, "pipeline/list.html", context)


# --- One opportunity -----------------------------------------------------------------
@login_required
@permission_required("pipeline.add_opportunity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(
        data,
        actor=request.user,
        initial={
            "customer": customer_selectors.visible_customer_id(
                request.user, query_id(request, "customer")
            )
        },
    )
    if data is not None and form.is_valid():
        fields = form.cleaned_data
        created = service_call(
            form,
            lambda: pipeline.opportunity_create(
                actor=request.user,
                customer=fields["customer"],
                name=fields["name"],
                amount=fields["amount"],
                currency=fields.get("currency") or None,
                stage=fields["stage"],
                expected_close=fields.get("expected_close"),
                owner=fields.get("owner"),
                next_step=fields.get("next_step", ""),
                notes=fields.get("notes", ""),
            ),
        ).result
        if created is not None:
            messages.success(request, _("Opportunity added to the pipeline."))
            return redirect("sales:opportunity", opportunity_id=created.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "opportunity": None}
    return render(request, "pipeline/form.html", context, status=status)


@login_required
@permission_required("pipeline.change_opportunity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = pipeline.opportunity_get(request.user, opportunity_id)
    data = request.POST if request.method == "POST" else None
    initial = {
        "name": opportunity.name,
        "amount": opportunity.amount,
        "currency": opportunity.currency,
        "expected_close": opportunity.expected_close,
        "owner": opportunity.owner_id,
        "next_step": opportunity.next_step,
        "follow_up_on": opportunity.follow_up_on,
        "notes": opportunity.notes,
    }
    form = OpportunityForm(data, actor=request.user, opportunity=opportunity, initial=initial)
    if data is not None and form.is_valid():
        changes: dict[str, Any] = {name: form.cleaned_data.get(name) for name in form.fields}
        for text_field in ("next_step", "notes"):
            changes[text_field] = changes.get(text_field) or ""
        updated = service_call(
            form,
            lambda: pipeline.opportunity_update(
                actor=request.user, opportunity=opportunity, **changes
            ),
        ).result
        if updated is not None:
            messages.success(request, _("Changes saved."))
            return redirect("sales:opportunity", opportunity_id=opportunity.pk)
    status = 400 if data is not None else 200
    context = {"form": form, "opportunity": opportunity}
    return render(request, "pipeline/form.html", context, status=status)


def _history(opportunity: Opportunity) -> list[dict]:
    """The audit entries as lines a person reads."""
    lines = []
    for entry in audit_history(opportunity):
        data = entry.data or {}
        if entry.action == "opportunity.moved":
            text = _("Moved from %(from)s to %(to)s") % {
                "from": pipeline.stage_label(data.get("from", "")),
                "to": pipeline.stage_label(data.get("to", "")),
            }
        elif entry.action == "opportunity.created":
            text = _("Opened in %(stage)s") % {"stage": pipeline.stage_label(data.get("stage", ""))}
        elif entry.action == "opportunity.updated":
            text = _("Changed: %(fields)s") % {"fields": ", ".join(data.get("changed", []))}
        else:
            text = entry.action_label
        lines.append({"entry": entry, "text": text, "reason": data.get("reason", "")})
    return lines


def _detail_context(request: HttpRequest, opportunity: Opportunity, **extra) -> dict:
    probability = pipeline.stage_probabilities()[opportunity.stage]
    quotes = []
    if request.user.has_perm("sales.view_quote"):
        quotes = list(opportunity.quotes.order_by("-issued_on", "-pk"))
    move_form = extra.pop("move_form", None) or MoveForm(initial={"stage": opportunity.stage})
    return {
        "opportunity": opportunity,
        "probability": probability,
        "weighted": pipeline.weighted_amount(opportunity.amount, probability),
        "quotes": quotes,
        "history": _history(opportunity),
        "move_form": move_form,
        "can_change": pipeline.LIFECYCLE.allows("edit", request.user, opportunity),
        **extra,
    }


@login_required
@permission_required("pipeline.view_opportunity", raise_exception=True)
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = pipeline.opportunity_get(request.user, opportunity_id)
    return render(request, "pipeline/detail.html", _detail_context(request, opportunity))


@login_required
@permission_required("pipeline.change_opportunity", raise_exception=True)
@require_http_methods(["GET", "POST"])
def opportunity_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """GET: the move form. POST (from the board's drag and drop with `Accept:
    application/json`, a card's "Move to…" or this page): move, then go back."""
    opportunity = pipeline.opportunity_get(request.user, opportunity_id)
    board_url = reverse("sales:pipeline")
    if request.method == "GET":
        form = MoveForm(initial={"stage": request.GET.get("stage") or opportunity.stage})
        context = {"opportunity": opportunity, "form": form, "next": _safe_next(request, "")}
        return render(request, "pipeline/move.html", context)
    form = MoveForm(request.POST)
    moved = None
    if form.is_valid():
        fields = form.cleaned_data
        moved = service_call(
            form,
            lambda: pipeline.opportunity_move(
                actor=request.user,
                opportunity=opportunity,
                stage=fields["stage"],
                reason=fields.get("reason", ""),
                follow_up_on=fields.get("follow_up_on"),
            ),
        ).result
    if _wants_json(request):
        if moved is None:
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return JsonResponse(
            {"id": moved.pk, "stage": moved.stage, "label": moved.get_stage_display()}
        )
    if moved is None:
        context = {
            "opportunity": opportunity,
            "form": form,
            "next": _safe_next(request, ""),
        }
        return render(request, "pipeline/move.html", context, status=400)
    messages.success(
        request,
        _("%(name)s moved to %(stage)s.")
        % {"name": moved.name, "stage": moved.get_stage_display()},
    )
    return redirect(_safe_next(request, board_url))


# --- Forecast and settings -----------------------------------------------------------
@login_required
@permission_required("pipeline.view_opportunity", raise_exception=True)
def forecast(request: HttpRequest) -> HttpResponse:
    """The weighted forecast by month × owner, a table per currency."""
    form = ForecastForm(request.GET or None)
    result = None
    if not request.GET or form.is_valid():
        fields = form.cleaned_data if request.GET else {}
        result = service_call(
            form,
            lambda: pipeline.forecast(
                actor=request.user,
                months=fields.get("months") or 6,
                start=fields.get("start"),
                mine=bool(fields.get("mine")),
            ),
        ).result
    if result is None:
        return render(request, "pipeline/forecast.html", {"form": form}, status=400)
    context = {"form": form, "forecast": result}
    return render(request, "pipeline/forecast.html", context)


@login_required
@permission_required("pipeline.view_stageprobability", raise_exception=True)
@require_http_methods(["GET", "POST"])
def stage_probabilities(request: HttpRequest) -> HttpResponse:
    """The win probability per stage; sales managers change the open stages'."""
    can_change = request.user.has_perm("pipeline.change_stageprobability")
    if request.method == "POST" and not can_change:
        raise PermissionDenied
    settings = pipeline.stage_settings()
    data = request.POST if request.method == "POST" else None
    form = ProbabilityForm(data, settings=settings)
    if data is not None and form.is_valid():
        saved = service_call(
            form,
            lambda: pipeline.stage_probabilities_set(
                actor=request.user, probabilities=form.cleaned_data
            ),
        ).result
        if saved is not None:
            messages.success(request, _("Stage probabilities saved."))
            return redirect("sales:stage_probabilities")
    context = {"form": form, "settings": settings, "can_change": can_change}
    return render(
        request,
        "pipeline/probabilities.html",
        context,
        status=400 if data is not None else 200,
    )


urlpatterns = [
    path("pipeline/", board, name="pipeline"),
    path("pipeline/all/", opportunity_list, name="opportunities"),
    path("pipeline/new/", opportunity_create, name="opportunity_create"),
    path("pipeline/forecast/", forecast, name="forecast"),
    path("pipeline/probabilities/", stage_probabilities, name="stage_probabilities"),
    path("pipeline/<int:opportunity_id>/", opportunity_detail, name="opportunity"),
    path("pipeline/<int:opportunity_id>/edit/", opportunity_edit, name="opportunity_edit"),
    path("pipeline/<int:opportunity_id>/move/", opportunity_move, name="opportunity_move"),
]
