"""The operator console: Django admin on the public domain, for platform operators
(users of the public schema), separate from every workspace's users.

The workspace list shows signed-up workspaces by default (the template schema and
the pool of ready schemas are one filter away), each with its plan, billing status,
active users and last sign-in, read for the whole page in one query
(`tenants.selectors.workspace_usage`); a workspace's page adds a link into it. The
console's home leads to the billing dashboard.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenants.models import Domain, Tenant
from tenants.selectors import workspace_usage
from tradepost.links import workspace_url

admin.site.site_header = _("Tradepost operator console")
admin.site.site_title = _("Tradepost operators")
admin.site.index_template = "admin/tradepost_index.html"


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class KindFilter(admin.SimpleListFilter):
    """Signed-up workspaces unless asked otherwise: the template and the pool's
    schemas are plumbing, not customers."""

    title = _("kind")
    parameter_name = "kind"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Tenant.Kind.choices, (self.ALL, _("All kinds"))]

    def value(self):
        return super().value() or Tenant.Kind.ACTIVE

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(kind=self.value())


class UsageChangeList(ChangeList):
    """Reads the page's usage in one query once its rows are known."""

    def get_results(self, request):
        super().get_results(request)
        usage = workspace_usage(self.result_list)
        for tenant in self.result_list:
            tenant.usage = usage.get(tenant.schema_name)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "owner_email",
        "plan",
        "billing_status",
        "users",
        "last_activity",
        "activated_at",
    )
    list_filter = (KindFilter,)
    list_select_related = ("subscription__plan",)
    search_fields = ("slug", "name", "owner_email", "schema_name")
    # The slug is the workspace's address (and its schema's name): never edited here.
    readonly_fields = (
        "slug",
        "open_workspace",
        "usage_summary",
        "schema_name",
        "kind",
        "created_at",
        "activated_at",
    )
    fields = (
        "name",
        "slug",
        "open_workspace",
        "owner_email",
        "usage_summary",
        "kind",
        "schema_name",
        "created_at",
        "activated_at",
    )
    ordering = ("-created_at",)
    inlines = [DomainInline]
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return UsageChangeList

    def has_add_permission(self, request):
        return False  # workspaces come from sign-up

    def has_delete_permission(self, request, obj=None):
        # Deleting drops the schema: not a click in a list. A later issue adds
        # deletion with a grace period.
        return False

    @admin.display(description=_("plan"), ordering="subscription__plan__name")
    def plan(self, tenant):
        subscription = getattr(tenant, "subscription", None)
        return subscription.plan.name if subscription is not None else "—"

    @admin.display(description=_("billing"), ordering="subscription__status")
    def billing_status(self, tenant):
        subscription = getattr(tenant, "subscription", None)
        return subscription.get_status_display() if subscription is not None else "—"

    @admin.display(description=_("active users"))
    def users(self, tenant):
        usage = getattr(tenant, "usage", None)
        return usage.users if usage is not None else "—"

    @admin.display(description=_("last sign-in"))
    def last_activity(self, tenant):
        usage = getattr(tenant, "usage", None)
        return usage.last_activity if usage is not None and usage.last_activity else "—"

    @admin.display(description=_("workspace"))
    def open_workspace(self, tenant):
        if tenant.kind != Tenant.Kind.ACTIVE or not tenant.slug:
            return "—"
        url = workspace_url(tenant)
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("usage"))
    def usage_summary(self, tenant):
        usage = workspace_usage([tenant]).get(tenant.schema_name)
        if usage is None:
            return "—"
        return _("%(users)d active users; last sign-in %(when)s") % {
            "users": usage.users,
            "when": usage.last_activity or "—",
        }


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("domain", "tenant", "is_primary")
    search_fields = ("domain", "tenant__slug")
    list_select_related = ("tenant",)
