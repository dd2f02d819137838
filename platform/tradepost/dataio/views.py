"""The import page and the export download of any registered resource."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tradepost.dataio import files, jobs, services
from tradepost.dataio import spec as registry
from tradepost.dataio.exports import export_response
from tradepost.dataio.forms import ImportForm
from tradepost.workspace.forms import add_service_errors


def _spec(resource: str) -> registry.ResourceSpec:
    spec = registry.get(resource)
    if spec is None:
        raise Http404
    return spec


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest, resource: str) -> HttpResponse:
    spec = _spec(resource)
    needed = [spec.permission(action) for action in ("view", "add", "change")]
    if not request.user.has_perms(needed):
        return render(request, "403.html", status=403)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if jobs.wants_background(upload, upload.name):
                job = jobs.job_start(
                    spec,
                    upload,
                    actor=request.user,
                    name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
                return redirect("dataio:import_job", resource=spec.name, job_id=job["id"])
            report = services.import_run(
                spec,
                upload,
                actor=request.user,
                name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if report.applied:
                messages.success(
                    request,
                    _("Imported %(total_rows)d rows: %(created)d new, %(updated)d updated.")
                    % report.summary(),
                )
                return redirect(spec.list_url) if spec.list_url else redirect(request.path)
    context = {
        "spec": spec,
        "form": form,
        "report": report,
        "columns": spec.import_columns,
        "list_url": spec.list_url,
    }
    failed = bool(form.errors) or (report is not None and not report.ok)
    return render(request, "dataio/import.html", context, status=400 if failed else 200)


@login_required
@require_GET
def import_job(request: HttpRequest, resource: str, job_id: str) -> HttpResponse:
    """A background import's progress; HTMX polls it (the partial alone) until done."""
    spec = _spec(resource)
    job = jobs.job_get(job_id, actor=request.user)
    if job is None or job["resource"] != spec.name:
        raise Http404
    context = {"spec": spec, "job": job, "list_url": spec.list_url}
    if request.headers.get("HX-Request"):
        return render(request, "dataio/_import_job.html", context)
    return render(request, "dataio/import_job.html", context)


@login_required
@require_GET
def export(request: HttpRequest, resource: str) -> HttpResponse:
    spec = _spec(resource)
    if not request.user.has_perm(spec.permission("view")):
        return render(request, "403.html", status=403)
    fmt = request.GET.get("format", files.CSV)
    if fmt not in files.FORMATS:
        raise Http404
    queryset = spec.browser_queryset(request.user, request.GET) if spec.browser_queryset else None
    return export_response(spec, actor=request.user, fmt=fmt, queryset=queryset)
