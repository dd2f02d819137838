"""Declaring a resource for import and export: its columns, natural key and scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.functional import Promise

from tradepost.dataio import parsers

# A parser turns one cell's text (never empty: empty cells do not reach it) into the
# value for the model, or raises django's ValidationError with a message for people.
Parser = Callable[[str, dict[str, Any]], Any]


@dataclass(frozen=True)
class Column:
    """One column of the file.

    `name` is the header written on export and expected on import (case and spaces do
    not matter; `aliases` are accepted too, e.g. the Chinese header). `field` is the
    model attribute it fills, by default `name`. Without `parse`, the model field says
    how to read the cell (text, number, yes/no, choice); a foreign key needs `parse`,
    usually a lookup in the context the spec's `prepare` built. `export` gives the
    cell's value for an object (default: the attribute). `import_only`/`export_only`
    limit a column to one direction.
    """

    name: str
    field: str = ""
    required: bool = False
    parse: Parser | None = None
    export: Callable[[Any], Any] | None = None
    aliases: tuple[str, ...] = ()
    export_only: bool = False

    @property
    def attribute(self) -> str:
        return self.field or self.name


@dataclass
class ResourceSpec:
    """How one kind of record travels in and out of CSV and Excel files.

    * `name` — the resource in URLs (`products`) and file names;
    * `model`, `columns`, `key` — the column holding the natural key (`sku`), matched
      ignoring case: a row whose key exists updates that record, else it creates one;
    * `queryset(actor)` — the records the actor may see: export writes these, and an
      import may only update these (a key that exists outside them is a row error);
    * `prepare(actor)` — a dict of look-ups loaded once per import (categories by code),
      handed to parsers and hooks as `context`;
    * `check(rows, context, report)` — checks across rows or against the database
      beyond the key (another unique column), adding row errors to `report`;
    * `build(values, existing, context)` — the object to save (default: set the values
      on `existing` or a new model instance with `defaults(context)` first);
    * `finished(actor, created, updated)` — called in the import's transaction after the
      rows are written: the audit entry and webhook event;
    * `export_queryset(queryset)` — `select_related` and the like for exporting;
    * `list_url` — URL name of the resource's list page (the import page returns there);
    * `browser_queryset(actor, query)` — the list page's filtered records for the
      browser's export button, from its query string (default: `queryset(actor)`).

    A resource whose rows are not records to create or update but entries to post (the
    opening stock: each row a quantity of a product at a location) sets
    * `row_key(cells)` — a row's identity from its cells (location + SKU + lot), each
      appearing once per file, instead of the `key` column alone;
    * `apply(actor, rows, context)` — writes the checked rows (inside the import's
      transaction; a ValidationError fails the whole file) and returns how many
      records it created and updated. Nothing is matched to existing records then.
    """

    name: str
    label: str | Promise
    model: type[models.Model]
    columns: list[Column]
    key: str
    queryset: Callable[[Any], models.QuerySet]
    prepare: Callable[[Any], dict[str, Any]] = lambda actor: {}
    defaults: Callable[[dict[str, Any]], dict[str, Any]] = lambda context: {}
    check: Callable[[list[Any], dict[str, Any], Any], None] | None = None
    build: Callable[[dict[str, Any], Any, dict[str, Any]], models.Model] | None = None
    finished: Callable[[Any, int, int], None] | None = None
    export_queryset: Callable[[models.QuerySet], models.QuerySet] = lambda qs: qs
    list_url: str = ""
    browser_queryset: Callable[[Any, Any], models.QuerySet] | None = None
    row_key: Callable[[dict[str, str]], str] | None = None
    apply: Callable[[Any, list[Any], dict[str, Any]], tuple[int, int]] | None = None
    max_rows: int = 50_000

    @property
    def key_column(self) -> Column:
        return next(column for column in self.columns if column.name == self.key)

    @property
    def import_columns(self) -> list[Column]:
        return [column for column in self.columns if not column.export_only]

    def permission(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def parser_for(self, column: Column) -> Parser:
        if column.parse is not None:
            return column.parse
        return parsers.for_model_field(self.model._meta.get_field(column.attribute))  # type: ignore[arg-type]


_REGISTRY: dict[str, ResourceSpec] = {}


def register(spec: ResourceSpec) -> ResourceSpec:
    """Make `spec` available to the import page, the export buttons and the API."""
    _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> ResourceSpec | None:
    return _REGISTRY.get(name)


def registered() -> Iterable[ResourceSpec]:
    return _REGISTRY.values()
