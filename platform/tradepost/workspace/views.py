from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tradepost.workspace import dashboard, saved_filters
from tradepost.workspace import selectors as feed_selectors
from tradepost.workspace import services as feed_services
from tradepost.workspace.feed_targets import target_get
from tradepost.workspace.forms import NoteForm, SavedFilterForm, service_call
from tradepost.workspace.models import SavedFilter


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The home page: the panels of the caller's roles (`workspace.dashboard`), each
    with the figures that role acts on, and the first steps while the workspace is new
    (to those who may invite, until someone else has joined) or for a role without
    panels, so no one lands on an empty page.

    The user model comes from settings (AUTH_USER_MODEL): the workspace shell sits
    below the apps, accounts included, and imports none of them; the panels are
    registered by the apps that own their figures."""
    panels = dashboard.panels_rendered(request, timezone.localdate())
    can_invite = request.user.has_perm("accounts.invite_user")
    team_size = (
        get_user_model().objects.filter(is_active=True).count() if can_invite or not panels else 0
    )
    context = {
        "panels": panels,
        "team_size": team_size,
        "can_invite": can_invite,
        "show_steps": not panels or (can_invite and team_size <= 1),
    }
    return render(request, "workspace/home.html", context)


# --- Saved filters of the list pages (workspace.saved_filters) -----------------------
@login_required
@require_POST
def saved_filter_save(request: HttpRequest, list_key: str) -> HttpResponse:
    """Save the filter the list shows (`query`) under `name`; back to the list."""
    saved = saved_filters.saved_list(list_key)
    if saved is None:
        raise Http404
    if not request.user.has_perm(saved.permission):
        raise PermissionDenied
    form = SavedFilterForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            kept = saved_filters.saved_filter_save(
                user=request.user, saved=saved, name=form.cleaned_data["name"], query=query
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            query = saved_filters.normalise_query(saved, query)
        else:
            messages.success(request, _("Filter “%(name)s” saved.") % {"name": kept.name})
            query = kept.query
    else:
        messages.error(request, _("Name the filter to save it."))
        query = saved_filters.normalise_query(saved, query)
    return redirect(saved.url(query))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Delete one of the caller's saved filters (anyone else's is a 404)."""
    kept = get_object_or_404(SavedFilter, pk=filter_id, user_id=request.user.pk)
    saved_filters.saved_filter_delete(user=request.user, saved_filter=kept)
    messages.success(request, _("Filter “%(name)s” deleted.") % {"name": kept.name})
    saved = saved_filters.saved_list(kept.list)
    return redirect(saved.url() if saved is not None else "workspace:home")


# --- Activity feeds: notes and their attachments --------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def note_add(request: HttpRequest, target_type: str, target_id: int) -> HttpResponse:
    """POST: leave a note on the record, then back to its page. GET (a reload of the
    form's address): the record's page. A refused note shows its form again (400) with
    what to fix and a way back."""
    target, record = target_get(request.user, target_type, target_id)
    page = target.page_url(record)
    if request.method == "GET":
        return redirect(page)
    form = NoteForm(request.POST)
    files = request.FILES.getlist("files")
    if form.is_valid() and service_call(
        form,
        lambda: feed_services.note_add(
            actor=request.user, target=record, body=form.cleaned_data["body"], files=files
        ),
    ):
        messages.success(request, _("Note added."))
        return redirect(f"{page}#activity")
    context = {"form": form, "record": record, "page": page}
    return render(request, "workspace/note_refused.html", context, status=400)


@login_required
@require_GET
def note_attachment(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """A note's file, to whoever sees the note's record; always a download, typed by
    what its first bytes were when it was kept, and never sniffed or run."""
    attachment = feed_selectors.attachment_get(request.user, attachment_id)
    try:
        opened = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        opened,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
