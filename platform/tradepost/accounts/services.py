"""Writes for users, roles, invitations and login hand-offs.

Every function here is the only way its change happens: the browser views, the
API and the CLI call these. Each runs in one transaction and writes its audit entry.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import limit_check
from tradepost import events, outreach
from tradepost.accounts.models import Invitation, LoginHandoff, User, new_token, token_hash
from tradepost.accounts.roles import Role
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.principals import Actor

INVITATION_VALID_FOR = timedelta(days=7)
HANDOFF_VALID_FOR = timedelta(minutes=5)


def _require(actor: Actor, permission: str) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You do not have permission to do this."))


def validate_new_password(password: str, *, email: str, full_name: str = "") -> None:
    """Raise ValidationError({'password': [...]}) for a weak password."""
    try:
        password_validation.validate_password(password, User(email=email, full_name=full_name))
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _set_role(user: User, role: str) -> None:
    user.groups.set([Group.objects.get(name=Role(role).value)])
    # A role change is a change of the user for `updated_since` sync clients.
    User.objects.filter(pk=user.pk).update(updated_at=timezone.now())


@transaction.atomic
def owner_create(*, email: str, password: str, full_name: str = "") -> User:
    """Create the workspace's first user, its system administrator."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name)
    _set_role(user, Role.SYSTEM_ADMINISTRATOR)
    audit_record(actor=user, action="workspace.created", target=user)
    return user


@transaction.atomic
def invitation_create(*, actor: Actor, email: str, role: str) -> Invitation:
    """Invite `email` to the workspace with `role`; the e-mail goes out after commit.

    One open invitation per address; existing users cannot be invited again.
    """
    _require(actor, "accounts.invite_user")
    outreach.require_allowed()  # invitation e-mails go to anyone: confirmed owners only
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose one of the listed roles.")]})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": [_("This person already has an account here.")]})
    limit_check(limit="users")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                email=email,
                role=role,
                invited_by=actor if isinstance(actor, User) else None,
                expires_at=timezone.now() + INVITATION_VALID_FOR,
            )
    except IntegrityError as exc:
        raise ValidationError(
            {"email": [_("An invitation to this address is already waiting to be accepted.")]}
        ) from exc
    audit_record(actor=actor, action="user.invited", target=invitation, data={"role": role})
    events.emit(
        event_type="user.invited",
        payload={"invitation_id": invitation.pk, "email": email, "role": role},
    )
    enqueue_on_commit("tradepost.accounts.tasks.invitation_send", invitation.pk)
    return invitation


@transaction.atomic
def invitation_issue_token(*, invitation: Invitation) -> str | None:
    """Give an open invitation a fresh link token (the old link stops working).

    Returns the token, which only ever travels in the e-mail, or None when the
    invitation is no longer open. The invitation counts as sent only once the mail
    went out (`invitation_mark_sent`).
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        return None
    token = new_token()
    invitation.token_hash = token_hash(token)
    invitation.save(update_fields=["token_hash"])
    return token


def invitation_mark_sent(*, invitation: Invitation) -> None:
    """The mail server took the invitation: it is sent, and earlier failures are over."""
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now(), send_failures=0, send_error=""
    )


def invitation_send_failed(*, invitation: Invitation, attempt: int, error: str) -> None:
    """Attempt number `attempt` of the current round failed with `error` (a short,
    generic description: no addresses, no server replies). `sent_at` stays as it was."""
    Invitation.objects.filter(pk=invitation.pk).update(
        send_failures=attempt, send_error=error[:100]
    )


def invitation_find_open(token: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_open else None


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Turn an open invitation into a user with the invited role."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token)).first()
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation link is no longer valid. Ask for a new one."))
    full_name = full_name.strip()
    if not full_name:
        raise ValidationError({"full_name": [_("Enter your name.")]})
    validate_new_password(password, email=invitation.email, full_name=full_name)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("This person already has an account here."))
    limit_check(limit="users", adding=0)  # the invitation already holds its seat
    user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
    _set_role(user, invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=user, action="user.joined", target=user, data={"role": invitation.role})
    events.emit(
        event_type="user.joined",
        payload={
            "user_id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "role": invitation.role,
        },
    )
    return user


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> None:
    _require(actor, "accounts.invite_user")
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if updated:
        audit_record(actor=actor, action="user.invitation_revoked", target=invitation)


def invitations_expire() -> int:
    """Close invitations past their expiry so the address can be invited again."""
    return Invitation.objects.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=timezone.now()
    ).update(revoked_at=timezone.now())


def _lock_administrators() -> int:
    """Lock the active administrators' rows and count them.

    Two concurrent demotions must not both see "one other admin left".
    """
    admins = (
        User.objects.select_for_update(of=("self",))
        .filter(is_active=True, groups__name=Role.SYSTEM_ADMINISTRATOR.value)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return len(list(admins))


@transaction.atomic
def user_set_role(*, actor: Actor, user: User, role: str) -> None:
    """Give `user` exactly one role. The workspace always keeps an administrator."""
    _require(actor, "accounts.invite_user")
    if role not in Role.values:
        raise ValidationError({"role": [_("Choose one of the listed roles.")]})
    was_admin = user.groups.filter(name=Role.SYSTEM_ADMINISTRATOR.value).exists()
    if was_admin and role != Role.SYSTEM_ADMINISTRATOR and _lock_administrators() <= 1:
        raise ValidationError({"role": [_("The workspace needs at least one administrator.")]})
    _set_role(user, role)
    audit_record(actor=actor, action="user.role_changed", target=user, data={"role": role})
    events.emit(
        event_type="user.role_changed",
        payload={"user_id": user.pk, "email": user.email, "role": role},
    )


@transaction.atomic
def user_set_active(*, actor: Actor, user: User, active: bool) -> None:
    """Deactivate (sign-in refused, data kept) or reactivate a user."""
    _require(actor, "accounts.invite_user")
    if active and not user.is_active:
        limit_check(limit="users")
    if not active and user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    is_admin = user.groups.filter(name=Role.SYSTEM_ADMINISTRATOR.value).exists()
    if not active and is_admin and _lock_administrators() <= 1:
        raise ValidationError(_("The workspace needs at least one administrator."))
    User.objects.filter(pk=user.pk).update(is_active=active, updated_at=timezone.now())
    audit_record(
        actor=actor, action="user.activated" if active else "user.deactivated", target=user
    )
    events.emit(
        event_type="user.activated" if active else "user.deactivated",
        payload={"user_id": user.pk, "email": user.email},
    )


def handoff_create(*, user: User) -> str:
    """A one-time token that signs `user` in on the workspace's own domain."""
    token = new_token()
    LoginHandoff.objects.create(
        user=user, token_hash=token_hash(token), expires_at=timezone.now() + HANDOFF_VALID_FOR
    )
    return token


def handoff_is_open(*, token: str) -> bool:
    """Whether the hand-off link still works (without spending it)."""
    return LoginHandoff.objects.filter(
        token_hash=token_hash(token),
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
        user__is_active=True,
    ).exists()


@transaction.atomic
def handoff_consume(*, token: str) -> User | None:
    """The user the token was made for, once; None for an unknown, used or stale token."""
    handoff = (
        LoginHandoff.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token), used_at__isnull=True)
        .first()
    )
    if handoff is None or handoff.expires_at <= timezone.now() or not handoff.user.is_active:
        return None
    handoff.used_at = timezone.now()
    handoff.save(update_fields=["used_at"])
    return handoff.user
