"""Sign-up: a company name, a slug and an owner create a working workspace at once."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from billing.services import subscription_start_trial
from tenants import provisioning
from tenants.models import Tenant
from tradepost import ratelimit
from tradepost.accounts import services as accounts
from tradepost.accounts.models import User
from tradepost.background import enqueue_on_commit
from tradepost.text import validate_single_line

logger = logging.getLogger(__name__)

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 30
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$")
# Host names we keep for ourselves, now or later.
RESERVED_SLUGS = frozenset(
    [
        "www",
        "api",
        "admin",
        "administrator",
        "public",
        "static",
        "media",
        "assets",
        "cdn",
        "mail",
        "email",
        "smtp",
        "imap",
        "pop",
        "ftp",
        "ssh",
        "app",
        "apps",
        "web",
        "dashboard",
        "console",
        "operator",
        "operators",
        "billing",
        "pay",
        "payments",
        "stripe",
        "help",
        "support",
        "docs",
        "status",
        "blog",
        "news",
        "about",
        "login",
        "logout",
        "signup",
        "register",
        "auth",
        "account",
        "accounts",
        "oauth",
        "sso",
        "webhook",
        "webhooks",
        "test",
        "staging",
        "dev",
        "localhost",
        "root",
        "system",
        "tradepost",
        "template",
        "pool",
        "default",
    ]
)


class SignupError(ValidationError):
    """Sign-up input that cannot be accepted; `message_dict` maps field → messages."""


class SignupRateLimited(Exception):
    """Too many sign-up attempts from one client address; try again in `retry_after` s."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return _(
            "Too many sign-up attempts from your network. Please try again in %(minutes)d minutes."
        ) % {"minutes": max(1, round(self.retry_after / 60))}


def signup_limits() -> list[ratelimit.Limit]:
    return [
        ratelimit.Limit(settings.SIGNUP_RATE_PER_HOUR, 3600),
        ratelimit.Limit(settings.SIGNUP_RATE_PER_DAY, 86400),
    ]


def signup_attempt(*, client_ip: str) -> None:
    """Count one sign-up attempt from `client_ip`, or raise SignupRateLimited.

    The form and `POST /api/v1/signup` both call this before anything else, so they
    share one counter per address (`tradepost.clientip.client_ip`) per hour and per
    day: every workspace takes a pooled schema, and every attempt can probe which
    addresses and e-mails exist.
    """
    wait = ratelimit.hit(f"signup:{client_ip}", signup_limits())
    if wait is not None:
        logger.warning("sign-up refused: rate limit reached for a client address")
        raise SignupRateLimited(wait)


@dataclass(frozen=True)
class SignupResult:
    tenant: Tenant
    owner: User
    login_token: str


def normalise_slug(value: str) -> str:
    return value.strip().lower()


def slug_errors(slug: str) -> list[str]:
    """Why `slug` cannot name a new workspace (empty when it can)."""
    if not SLUG_MIN_LENGTH <= len(slug) <= SLUG_MAX_LENGTH:
        return [
            _("Use %(min)d to %(max)d characters.")
            % {"min": SLUG_MIN_LENGTH, "max": SLUG_MAX_LENGTH}
        ]
    if not SLUG_PATTERN.match(slug):
        return [
            _(
                "Use lowercase letters a–z, digits and single hyphens; "
                "start and end with a letter or digit."
            )
        ]
    if slug in RESERVED_SLUGS or slug.startswith(("pg-", "tp-", "xn--")):
        return [_("This address is reserved. Please choose another.")]
    if Tenant.objects.filter(slug=slug).exists():
        return [_("This address is already taken. Please choose another.")]
    return []


def validate_signup(*, company_name: str, slug: str, owner_email: str, password: str) -> None:
    """Raise SignupError with every problem found, per field."""
    errors: dict[str, list[str]] = {}
    if not company_name.strip():
        errors["company_name"] = [_("Enter your company's name.")]
    elif len(company_name.strip()) > 200:
        errors["company_name"] = [_("Use at most 200 characters.")]
    else:
        try:
            validate_single_line(company_name)
        except ValidationError as exc:
            errors["company_name"] = exc.messages
    if problems := slug_errors(slug):
        errors["slug"] = problems
    try:
        validate_email(owner_email)
    except ValidationError:
        errors["owner_email"] = [_("Enter a valid e-mail address.")]
    else:
        if Tenant.objects.filter(kind=Tenant.Kind.ACTIVE, owner_email__iexact=owner_email).exists():
            errors["owner_email"] = [
                _("This e-mail address already owns a workspace. Sign in there instead.")
            ]
    try:
        accounts.validate_new_password(password, email=owner_email, full_name=company_name)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise SignupError(errors)


def signup_check(*, company_name: str, slug: str, owner_email: str, password: str) -> None:
    """`validate_signup` on input as typed, normalised as `tenant_signup` does: the
    sign-up page runs it even when its form refused a field, so every problem shows in
    one pass."""
    validate_signup(
        company_name=company_name.strip(),
        slug=normalise_slug(slug),
        owner_email=User.objects.normalize_email(owner_email.strip()).lower(),
        password=password,
    )


def tenant_signup(
    *, company_name: str, slug: str, owner_email: str, password: str, full_name: str = ""
) -> SignupResult:
    """Create a workspace with its owner, or nothing at all.

    The schema comes from the pool (or a direct clone of the template); tenant row,
    domain, owner and hand-off token are written in one transaction, so any
    failure leaves no tenant, schema or user behind. The pool is refilled after commit.
    """
    company_name = company_name.strip()
    slug = normalise_slug(slug)
    owner_email = User.objects.normalize_email(owner_email.strip()).lower()
    validate_signup(
        company_name=company_name, slug=slug, owner_email=owner_email, password=password
    )
    try:
        with transaction.atomic():
            tenant = provisioning.workspace_claim(
                slug=slug, name=company_name, owner_email=owner_email
            )
            with tenant_context(tenant):
                owner = accounts.owner_create(
                    email=owner_email, password=password, full_name=full_name.strip()
                )
                token = accounts.handoff_create(user=owner)
            subscription_start_trial(tenant=tenant)
            from tenants.tasks import owner_verification_send, refill_schema_pool

            enqueue_on_commit(refill_schema_pool)
            # Instant sign-up; inviting, API keys and webhooks wait for this link.
            enqueue_on_commit(owner_verification_send, tenant.pk)
    except (IntegrityError, ValidationError) as exc:
        # Lost a race to a concurrent sign-up for the same slug or e-mail: say which.
        logger.info("sign-up for %s lost a race: %s", slug, exc)
        validate_signup(
            company_name=company_name, slug=slug, owner_email=owner_email, password=password
        )
        raise
    logger.info("workspace %s signed up", slug)
    return SignupResult(tenant=tenant, owner=owner, login_token=token)
