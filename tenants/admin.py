"""The operator console: Django admin on the public domain, for platform operators
(users of the public schema), separate from every workspace's users."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tenants.models import Domain, Tenant

admin.site.site_header = _("Tradepost operator console")
admin.site.site_title = _("Tradepost operators")


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "owner_email", "kind", "schema_name", "activated_at")
    list_filter = ("kind",)
    search_fields = ("slug", "name", "owner_email", "schema_name")
    readonly_fields = ("schema_name", "kind", "created_at", "activated_at")
    ordering = ("-created_at",)
    inlines = [DomainInline]
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        # Deleting drops the schema: not a click in a list. A later issue adds
        # deletion with a grace period.
        return False


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__slug")
    list_select_related = ("tenant",)
