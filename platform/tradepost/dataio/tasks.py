"""Background imports (see tradepost.dataio.jobs). The task runs in the schema it was
sent from (tenant-schemas-celery) and is stopped at its time limits: the soft one
ends it cleanly (the job says so, nothing is written), the hard one kills it."""

from __future__ import annotations

from django.conf import settings

from tradepost.celery import app
from tradepost.dataio import jobs


@app.task(
    name="tradepost.dataio.tasks.import_file",
    soft_time_limit=settings.DATAIO_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.DATAIO_TASK_TIME_LIMIT,
)
def import_file(job_id: str) -> str | None:
    job = jobs.job_run(job_id)
    return job["state"] if job else None
