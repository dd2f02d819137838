"""Creating, finding and revoking API keys (the services behind the UI, the API and
`tradepost create-api-key`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiKey
from tradepost import events, outreach
from tradepost.accounts.roles import Role
from tradepost.audit.services import audit_record
from tradepost.observability import mask_secret
from tradepost.principals import Actor
from tradepost.text import SINGLE_LINE_MESSAGE, has_forbidden_characters

KEY_PREFIX = "tp_"
_PREFIX_LENGTH = 12  # characters after "tp_" that identify the key


@dataclass(frozen=True)
class NewApiKey:
    """A key just created. Its text forms show the key masked (`tp_0a1b…`), so a log
    line, an error report's frame locals or a debugger never carry the key itself."""

    api_key: ApiKey
    secret: str = field(repr=False)  # the whole key; shown once, never stored

    def __repr__(self) -> str:
        return f"NewApiKey(api_key={self.api_key!r}, secret={mask_secret(self.secret)!r})"

    __str__ = __repr__


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(raw: str) -> tuple[str, str] | None:
    """`tp_<12 prefix chars>_<secret>` → (prefix, whole key); None if malformed."""
    if not raw.startswith(KEY_PREFIX):
        return None
    body = raw[len(KEY_PREFIX) :]
    prefix, sep, rest = body.partition("_")
    if not sep or len(prefix) != _PREFIX_LENGTH or len(rest) < 32:
        return None
    return prefix, raw


@transaction.atomic
def api_key_create(*, actor: Actor, name: str, role: str) -> NewApiKey:
    """Create a key for `role`. Only administrators (accounts.invite_user) may.

    `actor` None means the platform operator's command line.
    """
    if actor is not None and not actor.has_perm("api.add_apikey"):
        raise PermissionDenied(_("Only administrators can create API keys."))
    if actor is not None:  # the operator's command line needs no confirmation
        outreach.require_allowed()
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the key a name, e.g. the system that will use it.")]
    elif len(name) > 100:
        errors["name"] = [_("Use at most 100 characters.")]
    elif has_forbidden_characters(name):
        errors["name"] = [SINGLE_LINE_MESSAGE]
    if role not in Role.values:
        errors["role"] = [_("Choose one of the listed roles.")]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(_PREFIX_LENGTH // 2)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    # Only a user has a pk; the foreign key points at users (an API key is None).
    api_key = ApiKey.objects.create(  # type: ignore[misc]
        name=name,
        role=role,
        prefix=prefix,
        key_hash=_digest(secret),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="api_key.created", target=api_key, data={"role": role})
    events.emit(
        event_type="api_key.created",
        payload={"api_key_id": api_key.pk, "name": name, "role": role, "prefix": prefix},
    )
    return NewApiKey(api_key=api_key, secret=secret)


@transaction.atomic
def api_key_revoke(*, actor: Actor, api_key: ApiKey) -> None:
    """Revoke at once: the next request with the key is refused."""
    if actor is not None and not actor.has_perm("api.delete_apikey"):
        raise PermissionDenied(_("Only administrators can revoke API keys."))
    updated = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        audit_record(actor=actor, action="api_key.revoked", target=api_key)
        events.emit(
            event_type="api_key.revoked",
            payload={"api_key_id": api_key.pk, "name": api_key.name, "prefix": api_key.prefix},
        )


def api_key_find(raw: str) -> ApiKey | None:
    """The active key matching `raw` in the current schema, or None."""
    parts = split_key(raw)
    if parts is None:
        return None
    prefix, whole = parts
    api_key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(whole)):
        return None
    return api_key


LAST_USED_RESOLUTION_SECONDS = 60


def api_key_touch(api_key: ApiKey) -> None:
    """Record use, at most once a minute per key (no write on every request)."""
    now = timezone.now()
    if (
        api_key.last_used_at
        and (now - api_key.last_used_at).total_seconds() < LAST_USED_RESOLUTION_SECONDS
    ):
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now
