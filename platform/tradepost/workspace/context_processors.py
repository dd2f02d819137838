from django.db import connection

from tradepost.workspace.navigation import menu_for


def workspace(request):
    """The current tenant and the navigation the user may see, for every template."""
    tenant = getattr(connection, "tenant", None)
    is_workspace = tenant is not None and getattr(tenant, "kind", None) == "active"
    return {
        "tenant": tenant if is_workspace else None,
        "navigation": menu_for(request.user) if is_workspace and hasattr(request, "user") else [],
    }
