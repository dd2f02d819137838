"""The organisation menu: the bar above the users page, the org chart, the staff pages
and the audit log. The header reaches it through *Users* (every staff role), so the
header keeps one row at 1440 px; each page here shows with its own permission."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tradepost.workspace.navigation import NavEntry

ORGANISATION_NAVIGATION: list[NavEntry] = [
    NavEntry(_("Org chart"), "masterdata:org_chart", "masterdata.view_staffprofile"),
    NavEntry(_("Staff"), "masterdata:staff", "masterdata.change_staffprofile"),
    NavEntry(_("Users"), "accounts:users", "accounts.view_user"),
    NavEntry(_("Audit log"), "audit:log", "audit.view_auditentry"),
]


def organisation_entries_for(user) -> list[tuple[NavEntry, str]]:
    return [
        (entry, reverse(entry.url_name))
        for entry in ORGANISATION_NAVIGATION
        if not entry.permission or user.has_perm(entry.permission)
    ]
