from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from tradepost.accounts.models import User


class AccountsConfig(AppConfig):
    name = "tradepost.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from tradepost.accounts.roles import sync_role_groups

        # After every migrate of a schema (django-tenants runs migrate per schema),
        # bring the role groups and their permissions up to date in that schema.
        post_migrate.connect(sync_role_groups, dispatch_uid="tradepost.accounts.sync_role_groups")

        from django.contrib.auth.signals import user_login_failed

        from tradepost.accounts.login_limits import failure_record

        # Failed sign-ins per client address (password spraying), besides axes' per-user lock.
        user_login_failed.connect(failure_record, dispatch_uid="tradepost.accounts.login_limits")

        from billing.access import register_usage_counter
        from tradepost.accounts.selectors import users_in_use

        # The plan's user limit counts people and open invitations (billing.access).
        register_usage_counter("users", users_in_use)

        from django.db.models.signals import m2m_changed, post_save

        from tradepost import request_memo
        from tradepost.accounts.models import User

        # A user's roles (and what follows from them) are read once per request; a
        # change of roles or of the user row made during the request is seen at once.
        m2m_changed.connect(
            request_memo.forget, sender=User.groups.through, dispatch_uid="memo-user-groups"
        )
        post_save.connect(request_memo.forget, sender=User, dispatch_uid="memo-user")

        from tradepost import principals

        # Background work started by a user runs as that user, while active.
        principals.register_resolver("user", _active_user)


def _active_user(ident: str) -> User | None:
    """The active user `ident`, or None (deactivated users act no more)."""
    from tradepost.accounts.models import User

    return User.objects.filter(pk=ident, is_active=True).first()
