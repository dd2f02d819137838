"""Creating, finding and revoking API keys (the services behind the UI, the API and
`tradepost create-api-key`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
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
        api_keys_changed()  # refused from the next request on, not when the cache expires
        audit_record(actor=actor, action="api_key.revoked", target=api_key)
        events.emit(
            event_type="api_key.revoked",
            payload={"api_key_id": api_key.pk, "name": api_key.name, "prefix": api_key.prefix},
        )


def api_key_find(raw: str) -> ApiKey | None:
    """The active key matching `raw` in the current schema, or None. The key row and
    its role's permissions come from the cache when they can (`cached_key`); the digest
    of what was presented is compared with the stored one every time."""
    parts = split_key(raw)
    if parts is None:
        return None
    prefix, whole = parts
    api_key = cached_key(prefix)
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(whole)):
        return None
    return api_key


# --- The key cache -------------------------------------------------------------------
# Authenticating a request with a key costs two queries (the key row, the role's
# permissions); both change rarely, so they are kept in the cache (Redis in production;
# the key function adds the schema). Every entry remembers the workspace's version
# token, read with it in one round trip; a revoked key, a key saved or deleted, a change
# of a role's permissions (signals, `connect_signals`) replace the token, so the next
# request reads the rows again. The token is random: one evicted and recreated can never
# match an entry made before.
KEYS_VERSION = "api-keys:version"
KEY_CACHE_TIMEOUT = 300  # seconds: a bound on anything the signals could not see


def _key_entry(prefix: str) -> str:
    return f"api-keys:key:{prefix}"


def _keys_new_version() -> str:
    token = uuid.uuid4().hex
    cache.set(KEYS_VERSION, token, timeout=None)
    return token


def api_keys_changed(**_kwargs) -> None:
    """Forget the cached keys and permissions of the current workspace, now and after
    commit (a request that re-read the old rows meanwhile is not believed either)."""
    _keys_new_version()
    if connection.in_atomic_block:
        transaction.on_commit(_keys_new_version)


def role_permissions(role: str) -> frozenset[str]:
    """`app_label.codename` of every permission of the role (a group of the schema)."""
    rows = Permission.objects.filter(group__name=role).values_list(
        "content_type__app_label", "codename"
    )
    return frozenset(f"{app}.{codename}" for app, codename in rows)


def cached_key(prefix: str) -> ApiKey | None:
    """The unrevoked key with `prefix`, carrying its role's permissions in
    `role_permissions`: from the cache, else from the database (and then cached).
    Only a shared cache (Redis) is used: in one process's memory, a key revoked through
    another process would keep working there until the entry expired."""
    if not settings.REDIS_URL:
        return _key_from_database(prefix)
    entry_key = _key_entry(prefix)
    found = cache.get_many([KEYS_VERSION, entry_key])
    version, entry = found.get(KEYS_VERSION), found.get(entry_key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    api_key = _key_from_database(prefix)
    if api_key is None:
        return None  # unknown prefixes are not cached: anyone can make up new ones
    if version is None:
        version = _keys_new_version()
    cache.set(entry_key, (version, api_key), timeout=KEY_CACHE_TIMEOUT)
    return api_key


def _key_from_database(prefix: str) -> ApiKey | None:
    api_key = ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first()
    if api_key is not None:
        api_key.role_permissions = role_permissions(api_key.role)  # type: ignore[attr-defined]  # cached with the key
    return api_key


def _remember_use(api_key: ApiKey) -> None:
    """Keep the cached copy's `last_used_at` current (under the version it was read
    with), so the once-a-minute write below does not happen on every request."""
    if not settings.REDIS_URL:
        return
    entry_key = _key_entry(api_key.prefix)
    found = cache.get_many([KEYS_VERSION, entry_key])
    entry = found.get(entry_key)
    if entry is not None and entry[0] == found.get(KEYS_VERSION):
        cache.set(entry_key, (entry[0], api_key), timeout=KEY_CACHE_TIMEOUT)


def connect_signals() -> None:
    """Forget cached keys when a key row or a role's permissions change."""
    from django.contrib.auth.models import Group
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for signal in (post_save, post_delete):
        signal.connect(api_keys_changed, sender=ApiKey, dispatch_uid=f"api-keys-{signal}")
        signal.connect(api_keys_changed, sender=Group, dispatch_uid=f"api-keys-group-{signal}")
    m2m_changed.connect(
        api_keys_changed, sender=Group.permissions.through, dispatch_uid="api-keys-role-perms"
    )


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
    _remember_use(api_key)
