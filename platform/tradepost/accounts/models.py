"""Workspace users, invitations and one-time login hand-offs.

These tables exist in every tenant schema (and in the public schema for platform
operators): a user belongs to exactly one workspace, and so does every session.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import connection, models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tradepost.accounts.roles import Role
from tradepost.request_memo import remembered


def token_hash(token: str) -> str:
    """Tokens are stored as SHA-256 digests: a database dump never holds a usable link."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str) -> User:  # type: ignore[override]
        """Sign-in ignores the case of the e-mail address (stored lower-case)."""
        return self.get(email=username.strip().lower())

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an e-mail address."""

    # Removed from AbstractUser: people sign in by e-mail and have one full name.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("Preferred interface language.")
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()  # type: ignore[misc, assignment]  # the e-mail manager

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        permissions = [("invite_user", _("Can invite users and change their roles"))]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name.split() or [self.email])[0]

    @property
    def roles(self) -> list[str]:
        """Role codes of this user (prefetch `groups` when listing users). Read once per
        request (`tradepost.request_memo`): a page asks several times."""
        if self.pk is None or "groups" in getattr(self, "_prefetched_objects_cache", {}):
            return [group.name for group in self.groups.all()]
        key = ("roles", connection.schema_name, self.pk)  # type: ignore[attr-defined]  # django-tenants
        return list(remembered(key, lambda: tuple(group.name for group in self.groups.all())))


# How often an invitation e-mail is tried (with growing pauses) before it is left for
# an administrator's "Send again".
INVITATION_SEND_ATTEMPTS = 6


class Invitation(models.Model):
    """An e-mailed invitation to join the workspace with a role."""

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    # NULL until the invitation is e-mailed (several unsent ones must not collide).
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent"
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    # Set only once the mail server took the message.
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Failed attempts of the current round of sending (a "Send again" starts a new
    # round) and what the last one failed with (an exception name, for operators).
    send_failures = models.PositiveSmallIntegerField(default=0, editable=False)
    send_error = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open invitation per address at a time.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.email

    class SendState(models.TextChoices):
        SENT = "sent", _("Sent")
        SENDING = "sending", _("Being sent")
        RETRYING = "retrying", _("Not sent yet, retrying")
        FAILED = "failed", _("Could not be sent; use “Send again” later")

    @property
    def send_state(self) -> SendState:
        """Where the e-mail stands (see tradepost.accounts.tasks.invitation_send)."""
        if self.send_failures >= INVITATION_SEND_ATTEMPTS:
            return self.SendState.FAILED
        if self.send_failures:
            return self.SendState.RETRYING
        return self.SendState.SENT if self.sent_at else self.SendState.SENDING

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class LoginHandoff(models.Model):
    """A one-time, short-lived link that signs a user in on their workspace domain.

    Sign-up happens on the public domain, but sessions live in the workspace's
    schema; the new owner crosses over with one of these.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("login hand-off")

    def __str__(self) -> str:
        return f"hand-off for user {self.user_id}"
