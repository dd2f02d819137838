"""Row helpers for documents: locks taken in primary-key order, and a document's lines
replaced whole.

Two transactions that lock the same rows in different orders can wait for each other
forever (PostgreSQL then kills one: a deadlock). Taking every multi-row lock in
ascending primary key order rules that out, so every app locks rows through these
helpers rather than with a bare `select_for_update()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

ModelT = TypeVar("ModelT", bound=models.Model)


def row_lock(queryset: models.QuerySet[ModelT], pk: object) -> ModelT:
    """The row `pk` of `queryset`, re-read under `SELECT … FOR UPDATE` (raises the
    model's DoesNotExist when it is gone)."""
    return queryset.select_for_update().get(pk=pk)


def rows_lock(queryset: models.QuerySet[ModelT], *, of: tuple[str, ...] = ()) -> list[ModelT]:
    """Every row of `queryset`, locked in primary-key order (deadlock-free against any
    other transaction locking through these helpers). `of` limits the lock to the
    named tables of a join (`("self",)` with `select_related`)."""
    return list(queryset.select_for_update(of=of).order_by("pk"))


def lines_replace(
    lines: models.Manager[ModelT] | models.QuerySet[ModelT],
    rows: Iterable[ModelT],
    *,
    new: bool = False,
) -> list[ModelT]:
    """Replace a document's lines (its related manager, e.g. `order.lines`) with
    `rows`, unsaved instances of the line model. `new`: the document was just created
    and has no lines yet (saves the DELETE)."""
    if not new:
        lines.all().delete()
    return lines.model._default_manager.bulk_create(list(rows))
