"""Importing and exporting records through a ResourceSpec.

An import is all or nothing: `import_validate` reads and checks every row and
collects every problem (row, column, value, message), outside any transaction (reading
a big file takes seconds, and no lock or connection state is held meanwhile);
`import_apply` writes all the rows in one short transaction, with bulk inserts and
updates, and only when there is no problem: it locks the records it will update and
refuses the file if which keys exist changed since they were checked. `import_run` does
both and is what the browser, the API and the background task (`tradepost.dataio.jobs`)
call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tradepost.dataio import files
from tradepost.dataio.signals import records_imported
from tradepost.dataio.spec import Column, ResourceSpec
from tradepost.principals import Actor

MAX_REPORTED_ERRORS = 500
KEY_CHUNK = 5000
WRITE_BATCH = 2000
PROGRESS_EVERY = 1000  # rows between progress reports

# on_progress(rows read so far, fraction of the file read 0..1)
Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str  # "" for the row as a whole
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ParsedRow:
    row: int
    key: str  # the natural key, case-folded
    values: dict[str, Any]  # model attribute → value, for the columns in the file
    cells: dict[str, str]  # column name → the cell's text


@dataclass
class ImportReport:
    spec: ResourceSpec
    columns: list[Column] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    existing: dict[str, models.Model] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def to_update(self) -> int:
        return sum(1 for row in self.rows if row.key in self.existing)

    @property
    def to_create(self) -> int:
        return self.total - self.to_update

    def add_error(self, row: int, column: str, value: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, value[:200], str(message)))

    def summary(self) -> dict[str, Any]:
        return {
            "resource": self.spec.name,
            "valid": self.ok,
            "applied": self.applied,
            "total_rows": self.total,
            "created": self.to_create if self.ok else 0,
            "updated": self.to_update if self.ok else 0,
            "error_count": self.error_count,
            "errors": [error.as_dict() for error in self.errors],
        }


def require_import(spec: ResourceSpec, actor: Actor) -> None:
    needed = [spec.permission(action) for action in ("view", "add", "change")]
    if actor is None or not all(actor.has_perm(permission) for permission in needed):
        raise PermissionDenied(_("You do not have permission to import these records."))


def _header_key(text: str) -> str:
    return "_".join(str(text).strip().casefold().replace("-", " ").split())


def _map_headers(spec: ResourceSpec, headers: list[str]) -> dict[int, Column]:
    """Column index → Column. Unknown, repeated or missing required headers are errors."""
    wanted: dict[str, Column] = {}
    for column in spec.import_columns:
        for name in (column.name, *column.aliases):
            wanted[_header_key(name)] = column
    found: dict[int, Column] = {}
    problems: list[str] = []
    for index, header in enumerate(headers):
        if not header.strip():
            continue
        found_column = wanted.get(_header_key(header))
        if found_column is None:
            problems.append(_("Unknown column “%(header)s”.") % {"header": header})
        elif found_column in found.values():
            problems.append(_("Column “%(header)s” appears twice.") % {"header": header})
        else:
            found[index] = found_column
    for column in spec.import_columns:
        if (column.required or column.name == spec.key) and column not in found.values():
            problems.append(_("The column “%(name)s” is missing.") % {"name": column.name})
    if problems:
        expected = ", ".join(column.name for column in spec.import_columns)
        problems.append(_("Expected columns: %(columns)s.") % {"columns": expected})
        raise ValidationError({"file": problems})
    return found


def import_validate(
    spec: ResourceSpec,
    upload: IO[bytes],
    *,
    actor: Actor,
    name: str = "",
    lock: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Read and check every row of `upload`; nothing is written.

    File-level problems (unreadable, unknown or missing columns, too many rows) raise
    ValidationError on `file`; row problems are collected in the report, up to
    MAX_REPORTED_ERRORS of them (`error_count` has them all). Every row counts towards
    `spec.max_rows`, blank ones too, and the file's caps (size, uncompressed size,
    columns) hold while it is read (`files.read_table`). With `lock`, the rows the
    import would update are locked until the surrounding transaction ends.
    A cell that starts with the apostrophe export puts before a formula character
    reads without it (`files.unguard`), so exported files import back unchanged.
    """
    require_import(spec, actor)
    table = files.read_table(upload, name, max_rows=spec.max_rows)
    by_index = _map_headers(spec, table.headers)
    report = ImportReport(spec=spec, columns=list(by_index.values()))
    report.context = spec.prepare(actor)
    parse = {column.name: spec.parser_for(column) for column in report.columns}
    seen: dict[str, int] = {}
    key_name = spec.key
    for number, cells in table.rows:
        if on_progress is not None and table.rows_read % PROGRESS_EVERY == 0:
            on_progress(table.rows_read, table.progress())
        if not any(cell.strip() for cell in cells if cell):
            continue  # blank line
        texts: dict[str, str] = {}
        values: dict[str, Any] = {}
        for index, column in by_index.items():
            text = (
                files.unguard(cells[index].strip()) if index < len(cells) and cells[index] else ""
            )
            texts[column.name] = text
            if not text:
                if column.required or column.name == key_name:
                    report.add_error(number, column.name, text, _("This field is required."))
                else:
                    values[column.attribute] = _empty_value(spec, column)
                continue
            try:
                values[column.attribute] = parse[column.name](text, report.context)
            except ValidationError as exc:
                report.add_error(number, column.name, text, " ".join(exc.messages))
        key = (spec.row_key(texts) if spec.row_key else texts.get(key_name, "")).casefold()
        if key:
            if key in seen:
                report.add_error(
                    number,
                    key_name,
                    texts[key_name],
                    _("Also on row %(row)d; each record may appear once.") % {"row": seen[key]},
                )
            else:
                seen[key] = number
        report.rows.append(ParsedRow(row=number, key=key, values=values, cells=texts))
    if not report.rows and report.ok:
        raise ValidationError({"file": [_("The file has a header row but no data rows.")]})
    _find_existing(spec, report, actor=actor, lock=lock)
    if spec.check is not None:
        spec.check(report.rows, report.context, report)
    return report


def _empty_value(spec: ResourceSpec, column: Column) -> Any:
    try:
        field = spec.model._meta.get_field(column.attribute)
    except FieldDoesNotExist:
        return None  # a column of a posted row (ResourceSpec.apply), not a model field
    if isinstance(field, models.BooleanField):
        return field.default if field.has_default() else False
    if field.null:
        return None
    if field.has_default():  # type: ignore[union-attr]  # concrete fields
        return field.get_default()  # type: ignore[union-attr]  # concrete fields
    return ""


def _find_existing(spec: ResourceSpec, report: ImportReport, *, actor: Actor, lock: bool) -> None:
    """Match keys to records (ignoring case); keys outside the actor's scope are errors."""
    if spec.apply is not None:
        return  # rows are posted, not matched to records
    key_field = spec.key_column.attribute
    keys = list({row.key for row in report.rows if row.key})
    scoped = spec.queryset(actor)
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        matches = spec.model._default_manager.annotate(_import_key=Lower(key_field)).filter(
            _import_key__in=chunk
        )
        if lock:
            matches = matches.select_for_update(of=("self",)).order_by("pk")
        # annotated by the query
        found = {obj._import_key: obj for obj in matches}  # type: ignore[attr-defined]
        if not found:
            continue
        visible = set(
            scoped.filter(pk__in=[obj.pk for obj in found.values()]).values_list("pk", flat=True)
        )
        for key, obj in found.items():
            if obj.pk in visible:
                report.existing[key] = obj
            else:
                report.existing[key] = None  # type: ignore[assignment]
    hidden = {key for key, obj in report.existing.items() if obj is None}
    for row in report.rows:
        if row.key in hidden:
            report.add_error(
                row.row,
                spec.key,
                row.cells.get(spec.key, ""),
                _("A record with this key exists and you may not change it."),
            )
    for key in hidden:
        del report.existing[key]


def import_apply(spec: ResourceSpec, report: ImportReport, *, actor: Actor) -> ImportReport:
    """Write every row of a checked report in one transaction: new keys are bulk
    inserted, known keys bulk updated. Refuses a report with any error."""
    require_import(spec, actor)
    if not report.ok:
        raise ValidationError({"file": [_("The file has errors; nothing was imported.")]})
    now = timezone.now()
    defaults = spec.defaults(report.context)
    key_attribute = spec.key_column.attribute
    creates: list[models.Model] = []
    updates: list[models.Model] = []
    for row in report.rows:
        existing = report.existing.get(row.key)
        if spec.build is not None:
            obj = spec.build(row.values, existing, report.context)
        else:
            obj = existing if existing is not None else spec.model(**defaults)
            for attribute, value in row.values.items():
                # A matched record keeps its key as stored ("kt-100" finds "KT-100").
                if existing is None or attribute != key_attribute:
                    setattr(obj, attribute, value)
        (updates if existing is not None else creates).append(obj)
    fields = sorted({column.attribute for column in report.columns} - {key_attribute})
    has_updated_at = any(f.name == "updated_at" for f in spec.model._meta.concrete_fields)
    if spec.apply is not None:
        return _posted(spec, report, actor=actor)
    try:
        with transaction.atomic():
            _relock(spec, report, actor=actor)
            spec.model._default_manager.bulk_create(creates, batch_size=WRITE_BATCH)
            if updates:
                if has_updated_at:
                    for obj in updates:
                        obj.updated_at = now  # type: ignore[attr-defined]  # has_updated_at
                    fields.append("updated_at")
                bulk_update(spec.model, updates, fields)
            # Bulk writes send no post_save: tell derived data (search) what changed.
            records_imported.send(sender=spec.model, records=[*creates, *updates])
            if spec.finished is not None:
                spec.finished(actor, len(creates), len(updates))
    except IntegrityError as exc:
        # Checked rows can still collide with a record written since (another import,
        # someone typing): the database's constraints are the last word.
        raise ValidationError(
            {
                "file": [
                    _("Another change got in first (%(detail)s); import the file again.")
                    % {
                        "detail": getattr(
                            getattr(exc.__cause__, "diag", None), "constraint_name", ""
                        )
                    }
                ]
            }
        ) from exc
    report.applied = True
    return report


def _posted(spec: ResourceSpec, report: ImportReport, *, actor: Actor) -> ImportReport:
    """`import_apply` for a resource that posts its rows (`ResourceSpec.apply`)."""
    assert spec.apply is not None
    try:
        with transaction.atomic():
            created, updated = spec.apply(actor, report.rows, report.context)
            if spec.finished is not None:
                spec.finished(actor, created, updated)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    report.applied = True
    return report


def _relock(spec: ResourceSpec, report: ImportReport, *, actor: Actor) -> None:
    """Lock the records the import updates and check that the keys it found existing
    (outside the transaction) are still exactly those: a record created, deleted or
    moved out of the actor's scope since would make the checked plan wrong."""
    fresh = ImportReport(spec=spec, rows=report.rows)
    _find_existing(spec, fresh, actor=actor, lock=True)
    if not fresh.ok or set(fresh.existing) != set(report.existing):
        raise ValidationError(
            {"file": [_("The records changed while the file was checked; import it again.")]}
        )


def bulk_update(model: type[models.Model], objects: list[models.Model], fields: list[str]) -> None:
    """UPDATE … FROM (VALUES …) in batches: one statement per WRITE_BATCH rows.

    Django's bulk_update builds a CASE WHEN per field and row, which takes PostgreSQL
    tens of seconds for ten thousand rows; joining a VALUES list takes a fraction of one.
    """
    from django.db import connection

    quote = connection.ops.quote_name
    pk = model._meta.pk
    columns = [pk] + [model._meta.get_field(name) for name in fields]
    # A foreign key's db_type is its target's (bigint); every cell is cast, so PostgreSQL
    # never has to guess a VALUES column's type.
    row_sql = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in columns) + ")"
    # concrete fields
    names = ", ".join(quote(field.column) for field in columns)  # type: ignore[arg-type, union-attr]
    assignments = ", ".join(
        f"{quote(field.column)} = v.{quote(field.column)}"  # type: ignore[arg-type, union-attr]
        for field in columns[1:]
    )
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(objects), WRITE_BATCH):
            batch = objects[start : start + WRITE_BATCH]
            params: list[Any] = []
            for obj in batch:
                for field in columns:
                    # concrete fields
                    value = getattr(obj, field.attname)  # type: ignore[union-attr]
                    # concrete fields
                    params.append(field.get_db_prep_save(value, connection))  # type: ignore[union-attr]
            cursor.execute(
                f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from the model
                f"FROM (VALUES {', '.join([row_sql] * len(batch))}) AS v({names}) "
                # concrete fields
                f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}",  # type: ignore[arg-type]
                params,
            )


def import_run(
    spec: ResourceSpec,
    upload: IO[bytes],
    *,
    actor: Actor,
    name: str = "",
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Check the file and, when every row is right and this is not a dry run, import it.

    Reading and checking run outside a transaction; the writing is one short one."""
    report = import_validate(spec, upload, actor=actor, name=name, on_progress=on_progress)
    if report.ok and not dry_run:
        import_apply(spec, report, actor=actor)
    return report
