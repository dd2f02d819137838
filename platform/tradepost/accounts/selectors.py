"""Reads for the users page."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.utils import timezone

from tradepost.accounts.models import Invitation, User

USERS_PER_PAGE = 50


def user_page(page_number: str | None) -> Page[User]:
    users = User.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.only("name")))
    return Paginator(users.order_by("email"), USERS_PER_PAGE).get_page(page_number)


def open_invitations() -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by")
    )


def users_in_use() -> int:
    """What the plan's `users` limit counts: active people and open invitations."""
    users = User.objects.filter(is_active=True).count()
    invitations = Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    return users + invitations
