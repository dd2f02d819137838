"""Big imports run in the background: a Celery task with time limits and a progress
bar, the browser polling a status partial and the API a job resource.

`wants_background(upload, name)` decides (size over settings.DATAIO_BACKGROUND_BYTES;
for an .xlsx its declared uncompressed size, checked for zip bombs on the way).
`job_start` checks the permission, stores the upload under
MEDIA_ROOT/<schema>/imports/<job id>.<ext> (the tenant storage, which the worker
reads too), records the job and queues `tradepost.dataio.tasks.import_file` after
commit. The task re-enters the schema, runs the very same `services.import_run` (read
and check outside a transaction, one short write), records progress every
`services.PROGRESS_EVERY` rows and the outcome, and deletes the stored file.

A job's state lives in the cache (Redis; keys carry the schema, so a job id from one
workspace means nothing in another) for settings.DATAIO_JOB_TTL seconds, and only the
one who started it (user or API key) may read it.
"""

from __future__ import annotations

import logging
import uuid
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tradepost.background import enqueue_on_commit
from tradepost.dataio import files, services
from tradepost.dataio.spec import ResourceSpec
from tradepost.principals import Actor, actor_for, principal_of

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
FINISHED = (DONE, FAILED)


def _key(job_id: str) -> str:
    return f"dataio:import-job:{job_id}"


def job_get(job_id: str, *, actor: Actor) -> dict[str, Any] | None:
    """The job if it exists in this workspace and `actor` started it."""
    job = cache.get(_key(job_id))
    if job is None or job["principal"] != principal_of(actor):
        return None
    return job


def _save(job: dict[str, Any]) -> None:
    cache.set(_key(job["id"]), job, timeout=settings.DATAIO_JOB_TTL)


def _update(job_id: str, **changes: Any) -> dict[str, Any] | None:
    job = cache.get(_key(job_id))
    if job is None:
        return None
    job.update(changes)
    _save(job)
    return job


def wants_background(upload: IO[bytes], name: str) -> bool:
    """Whether this upload is big enough to import in the background. An .xlsx counts
    by the size it unpacks to, and a zip bomb is refused here (ValidationError)."""
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if files.detect_format(name, head if isinstance(head, bytes) else b"") == files.XLSX:
        size = files.xlsx_declared_size(upload)
    else:
        size = upload.size if hasattr(upload, "size") else len(upload.read())
        upload.seek(0)
    return size > settings.DATAIO_BACKGROUND_BYTES


def job_start(
    spec: ResourceSpec, upload: IO[bytes], *, actor: Actor, name: str, dry_run: bool = False
) -> dict[str, Any]:
    """Store the upload and queue its import; returns the job (state `queued`)."""
    services.require_import(spec, actor)
    files.check_file_size(upload)
    size = getattr(upload, "size", 0) or 0
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    if files.detect_format(name, head if isinstance(head, bytes) else b"") == files.XLSX:
        # Millions of (blank) rows compress well enough to pass the archive checks;
        # counting them here refuses such a file in the request instead of in the job.
        files.xlsx_check_row_count(upload, spec.max_rows)
    job_id = uuid.uuid4().hex
    extension = ".xlsx" if name.lower().endswith(".xlsx") else ".csv"
    upload.seek(0)
    path = default_storage.save(f"imports/{job_id}{extension}", upload)
    job = {
        "id": job_id,
        "resource": spec.name,
        "principal": principal_of(actor),
        "name": name[:200],
        "path": path,
        "dry_run": dry_run,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "state": QUEUED,
        "progress": 0,
        "rows_read": 0,
        "report": None,
        "errors": [],
    }
    _save(job)
    enqueue_on_commit("tradepost.dataio.tasks.import_file", job_id)
    logger.info("import job %s queued for %s (%d bytes)", job_id, spec.name, size)
    return job


def job_run(job_id: str) -> dict[str, Any] | None:
    """Run a queued job in the current schema (the task's body), in the language of
    the request that started it; the stored file is deleted whatever happens."""
    job = cache.get(_key(job_id))
    if job is None:
        logger.warning("import job %s: no such job (expired?)", job_id)
        return None
    with translation.override(job.get("language") or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: dict[str, Any]) -> dict[str, Any] | None:
    # `job` becomes the updated job; `_update` gives None only for an expired one.
    from tradepost.dataio import spec as registry

    job_id = job["id"]
    try:
        spec = registry.get(job["resource"])
        actor = actor_for(job["principal"])
        _update(job_id, state=RUNNING)

        def on_progress(rows: int, fraction: float) -> None:
            # Reading and checking is 95% of the bar; writing the rest.
            _update(job_id, rows_read=rows, progress=min(int(fraction * 95), 95))

        with default_storage.open(job["path"], "rb") as upload:
            report = services.import_run(
                spec,  # type: ignore[arg-type]  # a queued job names a registered resource
                upload,
                actor=actor,  # type: ignore[arg-type]  # None (revoked) is refused there
                name=job["name"],
                dry_run=job["dry_run"],
                on_progress=on_progress,
            )
    except ValidationError as exc:
        messages = (
            exc.message_dict.get("file", exc.messages)
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        job = _update(job_id, state=FAILED, errors=[str(m) for m in messages])  # type: ignore[assignment]
    except PermissionDenied as exc:
        job = _update(job_id, state=FAILED, errors=[str(exc)])  # type: ignore[assignment]
    except SoftTimeLimitExceeded:
        seconds = settings.DATAIO_TASK_SOFT_TIME_LIMIT
        message = ngettext(
            "The import took longer than %(seconds)d second and was stopped; nothing was "
            "imported. Split the file.",
            "The import took longer than %(seconds)d seconds and was stopped; nothing was "
            "imported. Split the file.",
            seconds,
        ) % {"seconds": seconds}
        job = _update(job_id, state=FAILED, errors=[message])  # type: ignore[assignment]
        logger.warning("import job %s stopped at its time limit", job_id)
    except Exception:
        _update(job_id, state=FAILED, errors=[_("The import failed; nothing was imported.")])
        logger.exception("import job %s failed", job_id)
        raise
    else:
        job = _update(  # type: ignore[assignment]
            job_id, state=DONE, progress=100, rows_read=report.total, report=report.summary()
        )
        logger.info(
            "import job %s done in schema %s: valid=%s applied=%s rows=%d",
            job_id,
            connection.schema_name,  # type: ignore[attr-defined]  # django-tenants' connection
            report.ok,
            report.applied,
            report.total,
        )
    finally:
        default_storage.delete(job["path"])
    return job
