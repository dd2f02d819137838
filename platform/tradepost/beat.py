"""Celery beat for tenants (imported by beat only, once Django is set up)."""

from tenant_schemas_celery.scheduler import TenantAwarePersistentScheduler

from tenants.models import Tenant


class ActiveTenantScheduler(TenantAwarePersistentScheduler):
    """Per-tenant beat entries go to signed-up workspaces only, never to the
    template or the pooled schemas."""

    @classmethod
    def get_queryset(cls):
        return Tenant.objects.filter(kind__in=[Tenant.Kind.ACTIVE, Tenant.Kind.PUBLIC])
