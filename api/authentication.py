"""`Authorization: Bearer <key>` for integrators; the browser's session works too."""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from api.keys import api_key_find, api_key_touch, role_permissions
from api.models import ApiKey
from tradepost.accounts.roles import role_label


class ApiKeyPrincipal:
    """The caller behind an API key: holds exactly its role's permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.pk = None  # not a user: services record it by label
        self.email = f"api-key:{api_key.prefix}"

    def __str__(self) -> str:
        return f"API key {self.api_key.name} ({role_label(self.api_key.role)})"

    @cached_property
    def _permissions(self) -> frozenset[str]:
        # Keys found by `api_key_find` bring them along (cached with the key).
        known = getattr(self.api_key, "role_permissions", None)
        return known if known is not None else role_permissions(self.api_key.role)

    def has_perm(self, perm: str, obj=None) -> bool:
        return perm in self._permissions

    def has_perms(self, perms, obj=None) -> bool:
        return all(self.has_perm(perm) for perm in perms)

    @property
    def roles(self) -> list[str]:
        return [self.api_key.role]

    @property
    def principal_id(self) -> str:
        return f"key:{self.api_key.pk}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _sep, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        raw = raw.strip()
        api_key = api_key_find(raw) if raw else None
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        api_key_touch(api_key)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (with CSRF), reporting 401 rather than 403 when absent."""

    def authenticate_header(self, request):
        return 'Session realm="api"'
