"""Migrate the public schema, then every tenant schema that is behind, N at a time.

    manage.py migrate_fleet [--workers 4] [--max-failures 10] [--schemas a b …]

The deploy step (instead of `migrate_schemas`): schemas at head are found in one query
and skipped; the template goes first, then the pool, then the workspaces in parallel;
each schema's outcome is recorded (`tenants.SchemaMigration`), so after a failure a
re-run continues with the schemas still behind. See tenants/fleet.py.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tenants import fleet


class Command(BaseCommand):
    help = "Migrate public, then every tenant schema behind head, in parallel and resumably."

    def add_arguments(self, parser):
        parser.add_argument(
            "--workers", type=int, default=2, help="Worker processes (2: one per core here)."
        )
        parser.add_argument(
            "--max-failures",
            type=int,
            default=10,
            help="Stop starting schemas after this many failed (10).",
        )
        parser.add_argument("--schemas", nargs="+", default=None, help="Only these tenant schemas.")
        parser.add_argument(
            "--no-public", action="store_true", help="Do not migrate the public schema first."
        )

    def handle(self, *args, workers, max_failures, schemas, no_public, **options):
        verbosity = options["verbosity"]
        if not no_public:
            self.stdout.write("public: migrating")
            call_command(
                "migrate_schemas",
                shared=True,
                interactive=False,
                verbosity=max(0, verbosity - 1),
            )
        report = fleet.migrate_fleet(
            workers=workers,
            schemas=schemas,
            max_failures=max_failures,
            say=lambda line: self.stdout.write(line) if verbosity else None,
        )
        self.stdout.write(fleet.summary(report))
        if report.failed or report.stopped_early:
            failed = ", ".join(o.schema_name for o in report.failed[:10])
            raise CommandError(f"some schemas are not at head ({failed}); run again to resume")
