from django.db import connection

from tradepost.alerts.selectors import unread_count


def bell(request):
    """The header's bell: the signed-in person's unread notifications, read lazily
    (only a page that draws the header asks) and cached per person."""
    tenant = getattr(connection, "tenant", None)
    user = getattr(request, "user", None)
    if getattr(tenant, "kind", None) != "active" or user is None or not user.is_authenticated:
        return {}
    return {"bell_unread": lambda: unread_count(user)}
