"""Keeping `SearchDocument` in step with the records it finds.

Each searched kind names its model and the fields its words come from (`SOURCES`). A
record's document is written when the record is saved (`post_save`), removed when it
is deleted (`post_delete`, cascades included) and written for every row an import
wrote in bulk (`dataio.signals.records_imported`), in the same transaction as the
change. This is an index, not a rule: nothing here decides what anybody may do or see.

`rebuild(get_model)` writes every document of the current schema from scratch — the
data migration uses it with the historical models, the benchmark with the live ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps as django_apps
from django.db import models

from tradepost.search.keys import search_key, short_grams
from tradepost.search.models import Kind, SearchDocument

BATCH = 2000


@dataclass(frozen=True)
class Source:
    model: str  # "app_label.Model"
    fields: tuple[str, ...]

    def text(self, row: Mapping[str, Any]) -> str:
        return search_key(*(str(row[name] or "") for name in self.fields))

    def document(self, model: Any, kind: str, object_id: int, row: Mapping[str, Any]) -> Any:
        text = self.text(row)
        return model(kind=kind, object_id=object_id, text=text, grams=short_grams(text))


SOURCES: dict[str, Source] = {
    Kind.CUSTOMER: Source("customers.Customer", ("name", "code")),
    Kind.CONTACT: Source(
        "customers.Contact", ("name", "code", "email", "phone", "mobile", "wechat")
    ),
    Kind.ORDER: Source("sales.Order", ("number",)),
    Kind.QUOTE: Source("sales.Quote", ("number",)),
    Kind.PRODUCT: Source("masterdata.Product", ("name", "sku", "barcode")),
    Kind.OPPORTUNITY: Source("pipeline.Opportunity", ("name",)),
}


def _write(documents: list[SearchDocument]) -> None:
    SearchDocument.objects.bulk_create(
        documents,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["kind", "object_id"],
        update_fields=["text", "grams"],
    )


def refresh(kind: str, records: Iterable[models.Model]) -> None:
    """Write the documents of `records` (instances of the kind's model)."""
    source = SOURCES[kind]
    _write(
        [
            source.document(
                SearchDocument,
                kind,
                record.pk,
                {name: getattr(record, name) for name in source.fields},
            )
            for record in records
        ]
    )


def forget(kind: str, ids: Iterable[int]) -> None:
    SearchDocument.objects.filter(kind=kind, object_id__in=list(ids)).delete()


def rebuild(get_model: Callable[[str, str], Any] = django_apps.get_model) -> int:
    """Every document of the current schema, written again; returns how many."""
    document_model = get_model("search", "SearchDocument")
    written = 0
    for kind, source in SOURCES.items():
        document_model.objects.filter(kind=kind).delete()
        model = get_model(*source.model.split("."))
        batch = []
        for row in model.objects.order_by("pk").values("pk", *source.fields).iterator(BATCH):
            batch.append(source.document(document_model, kind, row["pk"], row))
            if len(batch) >= BATCH:
                document_model.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        document_model.objects.bulk_create(batch)
        written += len(batch)
    return written


# --- Signal receivers --------------------------------------------------------------
def _kind_of(model: type[models.Model]) -> str | None:
    label = model._meta.label
    return next((kind for kind, source in SOURCES.items() if source.model == label), None)


def _saved(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Write the saved record's document, unless nothing it holds can have changed: a
    save of other fields only (a status step saves `status` and `updated_at`), or a new
    record with no words yet (a draft order before its number)."""
    kind = _kind_of(sender)
    if kind is None or kwargs.get("raw"):
        return
    source = SOURCES[kind]
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and not set(update_fields) & set(source.fields):
        return
    if kwargs.get("created") and not source.text(
        {name: getattr(instance, name) for name in source.fields}
    ):
        return
    refresh(kind, [instance])


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    kind = _kind_of(sender)
    if kind is not None:
        forget(kind, [instance.pk])


def _imported(sender: type[models.Model], records: list[models.Model], **kwargs: Any) -> None:
    kind = _kind_of(sender)
    if kind is not None:
        refresh(kind, records)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from tradepost.dataio.signals import records_imported

    for kind, source in SOURCES.items():
        model = django_apps.get_model(source.model)
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-saved-{kind}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-deleted-{kind}")
    records_imported.connect(_imported, dispatch_uid="search-imported")
