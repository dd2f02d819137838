"""The accounting export (`/finance/journal/`): the journal entries of a period as a
CSV or Excel file for the bookkeeping system (`settlement.journal`). Finance only: it
takes reading the ledger (`settlement.view_ledgerentry`) and keeping the settlement
settings, where the accounts it posts to are mapped (`change_settlementsettings`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from tradepost.lifecycle import permitted
from tradepost.settlement import forms, journal, services
from tradepost.workspace.forms import add_service_errors


@login_required
@require_GET
def journal_export(request: HttpRequest) -> HttpResponse:
    """The period form; with a period (`?start=&end=&format=`), the file
    `journal-<start>-<end>.<format>` (dates as YYYYMMDD). A bad period is the form
    again with the error (400)."""
    if not permitted(request.user, journal.JOURNAL_EXPORT):
        raise PermissionDenied
    asked = any(request.GET.get(name) for name in ("start", "end", "format"))
    form = forms.JournalExportForm(
        request.GET if asked else None,
        initial={**forms.journal_default_period(), "format": "xlsx"},
    )
    if asked and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        fmt = form.cleaned_data["format"]
        try:
            content = journal.journal_file(start, end, fmt)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            response = HttpResponse(content, content_type=journal.CONTENT_TYPES[fmt])
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=journal.journal_filename(start, end, fmt)
            )
            return response
    settings = services.settings_get()
    context = {
        "form": form,
        "accounts": [
            (label, getattr(settings, f"account_{key}"))
            for key, label in journal.ACCOUNT_NAMES.items()
        ],
        "columns": journal.COLUMNS,
    }
    return render(request, "settlement/journal/export.html", context, status=400 if asked else 200)


urlpatterns = [
    path("journal/", journal_export, name="journal"),
]
