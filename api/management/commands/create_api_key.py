"""`tradepost create-api-key <slug> --name NAME --role ROLE`: prints the key once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import tenant_context

from api.keys import api_key_create
from tenants.models import Tenant
from tradepost.accounts.roles import Role


class Command(BaseCommand):
    help = "Create an API key in a workspace and print it (it is not shown again)."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The workspace's slug.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument("--role", required=True, choices=Role.values)

    def handle(self, *args, slug, name, role, **options):
        tenant = Tenant.objects.filter(slug=slug, kind=Tenant.Kind.ACTIVE).first()
        if tenant is None:
            raise CommandError(f"No workspace with the slug {slug!r}.")
        with tenant_context(tenant):
            try:
                created = api_key_create(actor=None, name=name, role=role)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"API key {created.api_key.prefix}… for {slug} ({role}). Store it now:")
        self.stdout.write(created.secret)
