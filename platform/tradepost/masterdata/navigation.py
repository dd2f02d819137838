"""The organisation menu (the bar above the org chart, the staff pages, the users page's
neighbours and the audit log). The header's "Organisation" entry shows with
`masterdata.view_staffprofile` (every staff role); each page here with its own
permission."""

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
