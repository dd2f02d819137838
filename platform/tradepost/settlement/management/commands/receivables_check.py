"""`manage.py receivables_check [--schema t_acme]`: prove every workspace's customer
accounts equal their ledger entries and allocations; exits 1 naming each difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_tenant_model, schema_context

from tradepost.settlement.ledger import discrepancies


class Command(BaseCommand):
    help = "Check that customer balances and open items equal the receivables ledger."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--schema", help="Only this workspace's schema.")

    def handle(self, *args, **options) -> None:
        tenants = get_tenant_model().objects.exclude(schema_name="public")
        if options["schema"]:
            tenants = tenants.filter(schema_name=options["schema"])
        failed = 0
        for tenant in tenants.order_by("schema_name"):
            with schema_context(tenant.schema_name):
                problems = discrepancies()
            for problem in problems:
                self.stdout.write(f"{tenant.schema_name}: {problem}")
            failed += bool(problems)
        if failed:
            raise CommandError(f"{failed} workspace(s) have accounts that differ from the ledger.")
        self.stdout.write(self.style.SUCCESS("Every account equals its ledger."))
