"""Import and export of records as CSV and Excel (.xlsx), one mechanism for every
resource (products now; customers and contacts register theirs the same way).

An import is all or nothing: every row is read and checked first
(`services.import_validate`), and only a file without a single wrong row is written
(`services.import_apply`: one transaction, bulk insert of new keys, one
`UPDATE … FROM (VALUES …)` per 2,000 known keys). A wrong file gets a report of every
problem — row number as the spreadsheet shows it, column, the cell, a message — in
the browser as a table, in the API as `report.errors`. Export streams the records the
caller may see, in the columns the import reads, so an exported file imports back.

Registering a resource (e.g. in `customers/importing.py`, imported from the app's
`ready()`):

    from tradepost.dataio import spec as dataio
    from tradepost.dataio.parsers import lookup_parser

    CUSTOMERS = dataio.register(
        dataio.ResourceSpec(
            name="customers",                       # /data/customers/import/, file names
            label=Customer._meta.verbose_name_plural,
            model=Customer,
            key="code",                             # natural key, matched ignoring case
            columns=[
                dataio.Column("code", required=True, aliases=("编码",)),
                dataio.Column("name", required=True, aliases=("名称",)),
                dataio.Column("channel"),           # choices: parsed from the model field
                dataio.Column("credit_limit"),      # Decimal: places and range checked
                dataio.Column(
                    "region",
                    parse=lookup_parser("regions", gettext_lazy("No region “%(value)s”.")),
                    export=lambda c: c.region.code if c.region else "",
                ),
            ],
            queryset=selectors.customers_visible,   # actor → the rows they may see
            prepare=lambda actor: {"regions": {r.code.casefold(): r for r in ...}},
            defaults=lambda context: {"owner": ...},  # new rows only
            check=None,                             # cross-row checks (other unique columns)
            finished=lambda actor, created, updated: audit_record(...),
            list_url="customers:list",
            browser_queryset=lambda actor, query: ...,  # the list page's filters, for export
        )
    )

Then the browser has `/data/customers/import/` and `/data/customers/export/?format=csv`
(link them from the list page), and the API viewset gets
`POST …/import/` (multipart `file`, `?dry_run=true`) and `GET …/export/?format=csv|xlsx`
by adding `dataio.api.ImportExportMixin` and `dataio_spec = "customers"`.

Permissions: importing needs the model's view, add and change permissions; exporting
its view permission; the spec's `queryset(actor)` decides which rows an export holds
and which existing rows an import may update (a key outside it is a row error).
"""
