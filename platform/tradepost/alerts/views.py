"""The alert pages, mounted at `/alerts/` under the namespace `alerts`: the alert list
(mine / my team's / all I may see, by state and kind), one alert with its history and
the acknowledge and resolve forms, the notification centre, and the rules (Settings).
Rules live in `services` and `selectors`; these parse, authorise the page and render.
A failing POST renders the page again on its own URL with a 400."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tradepost.alerts import selectors, services
from tradepost.alerts.filters import AlertStateFilter
from tradepost.alerts.forms import AcknowledgeForm, ResolveForm, RuleForm
from tradepost.alerts.kinds import SPECS
from tradepost.alerts.models import Alert, AlertRule
from tradepost.workspace.forms import service_call
from tradepost.workspace.lists import list_page, page_of

ROWS_PER_PAGE = 25
SUBJECT_PAGES = {
    Alert.Subject.ORDER: "sales:order",
    Alert.Subject.CUSTOMER: "customers:detail",
    Alert.Subject.INVOICE: "settlement:invoice",
    Alert.Subject.TARGET: "plans:target",
}


def _scopes(request: HttpRequest) -> list[tuple[str, str]]:
    scopes = [(selectors.MINE, _("Mine")), (selectors.TEAM, _("My team's"))]
    if request.user.has_perm("alerts.view_all_alerts"):
        scopes.append((selectors.ALL, _("All")))
    return scopes


@login_required
@permission_required("alerts.view_alert", raise_exception=True)
def alert_list(request: HttpRequest) -> HttpResponse:
    scopes = _scopes(request)
    scope = request.GET.get("scope") or selectors.MINE
    if scope not in dict(scopes):
        scope = selectors.MINE
    rows = selectors.alert_list(request.user, scope=scope)
    context: dict[str, Any] = list_page(request, rows, AlertStateFilter, per_page=ROWS_PER_PAGE)
    context["filtered"] = any(request.GET.get(name) for name in AlertStateFilter.shown)
    context["rows"] = [(alert, selectors.alert_message(alert)) for alert in context["page"]]
    context["scopes"] = scopes
    context["scope"] = scope
    return render(request, "alerts/list.html", context)


def subject_link(alert: Alert) -> str | None:
    from django.urls import reverse

    if alert.subject_type == Alert.Subject.STOCK:
        return reverse("inventory:stock") + "?below_threshold=true"
    name = SUBJECT_PAGES.get(alert.subject_type)  # type: ignore[call-overload]
    return reverse(name, args=[alert.subject_id]) if name else None


def _detail(
    request: HttpRequest,
    alert: Alert,
    *,
    acknowledge: AcknowledgeForm | None = None,
    resolve: ResolveForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_act = request.user.has_perm("alerts.change_alert") and alert.is_open
    context = {
        "alert": alert,
        "message": selectors.alert_message(alert),
        "steps": selectors.alert_steps(alert),
        "subject_link": subject_link(alert),
        "can_acknowledge": can_act and alert.state == Alert.State.OPEN,
        "can_resolve": can_act,
        "acknowledge_form": acknowledge or AcknowledgeForm(),
        "resolve_form": resolve or ResolveForm(),
    }
    return render(request, "alerts/detail.html", context, status=status)


def _alert(request: HttpRequest, alert_id: int) -> Alert:
    try:
        return selectors.alert_get(request.user, alert_id)
    except Alert.DoesNotExist:
        raise Http404 from None


@login_required
@permission_required("alerts.view_alert", raise_exception=True)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert(request, alert_id)
    services.notifications_read_for_alert(actor=request.user, alert=alert)
    return _detail(request, alert)


@login_required
@permission_required("alerts.change_alert", raise_exception=True)
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert(request, alert_id)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        done = service_call(
            form, lambda: services.alert_acknowledge(actor=request.user, alert=alert, note=note)
        )
        if done:
            messages.success(request, _("Alert acknowledged."))
            return redirect("alerts:detail", alert_id=alert.pk)
    return _detail(request, alert, acknowledge=form, status=400)


@login_required
@permission_required("alerts.change_alert", raise_exception=True)
@require_POST
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert(request, alert_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        note = form.cleaned_data["note"]
        done = service_call(
            form, lambda: services.alert_resolve(actor=request.user, alert=alert, note=note)
        )
        if done:
            messages.success(request, _("Alert resolved."))
            return redirect("alerts:detail", alert_id=alert.pk)
    return _detail(request, alert, resolve=form, status=400)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.notifications_of(request.user, unread=unread_only)
    page = page_of(request, rows, ROWS_PER_PAGE)
    context = {
        "page": page,
        "rows": [(n, selectors.alert_message(n.alert)) for n in page],
        "unread_only": unread_only,
        "query": "unread=1" if unread_only else "",
    }
    return render(request, "alerts/notifications.html", context)


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    """Mark one (`id`) or every unread notification read, back to the list."""
    raw = request.POST.get("id", "")
    ids = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
            messages.error(request, _("Choose a notification from the list."))
            return redirect("alerts:notifications")
        ids = [int(raw)]
    marked = services.notifications_mark_read(actor=request.user, ids=ids)
    if marked:
        messages.success(request, _("Marked as read."))
    return redirect("alerts:notifications")


@login_required
@permission_required("alerts.view_alertrule", raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    rows = [(rule, SPECS[rule.kind]) for rule in selectors.rules()]
    return render(
        request,
        "alerts/rules.html",
        {"rows": rows, "can_change": request.user.has_perm("alerts.change_alertrule")},
    )


@login_required
@permission_required("alerts.change_alertrule", raise_exception=True)
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = AlertRule.objects.select_related("responsible_user").filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    form = RuleForm(request.POST if request.method == "POST" else None, rule=rule)
    if request.method == "POST" and form.is_valid():
        done = service_call(
            form,
            lambda: services.rule_update(actor=request.user, rule=rule, **form.service_arguments()),
        )
        if done:
            messages.success(request, _("Alert rule saved."))
            return redirect("alerts:rules")
    status = 400 if request.method == "POST" else 200
    context = {"rule": rule, "spec": SPECS[rule.kind], "form": form}
    return render(request, "alerts/rule_form.html", context, status=status)


app_name = "alerts"
urlpatterns = [
    path("", alert_list, name="list"),
    path("<int:alert_id>/", alert_detail, name="detail"),
    path("<int:alert_id>/acknowledge/", alert_acknowledge, name="acknowledge"),
    path("<int:alert_id>/resolve/", alert_resolve, name="resolve"),
    path("notifications/", notification_list, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications_read"),
    path("rules/", rule_list, name="rules"),
    path("rules/<int:rule_id>/", rule_edit, name="rule"),
]
