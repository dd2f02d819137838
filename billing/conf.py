"""Billing settings, read from Django settings (which read the environment)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

# The workspace's Billing page, named in limit and quota messages.
BILLING_PATH = "/billing/"

# Stripe's own default tolerance, and ours: a signed webhook older (or newer) than
# this many seconds is refused as a possible replay.
WEBHOOK_TOLERANCE_SECONDS = 300


def stripe_secret_key() -> str:
    return getattr(settings, "STRIPE_SECRET_KEY", "") or ""


def stripe_webhook_secret() -> str:
    return getattr(settings, "STRIPE_WEBHOOK_SECRET", "") or ""


def stripe_api_base() -> str:
    return getattr(settings, "STRIPE_API_BASE", "") or ""


def online() -> bool:
    """Payments through Stripe are connected. Offline, operators assign plans."""
    return bool(stripe_secret_key())


def trial_length() -> timedelta:
    return timedelta(days=int(getattr(settings, "BILLING_TRIAL_DAYS", 14)))


def grace_period() -> timedelta:
    return timedelta(days=int(getattr(settings, "BILLING_GRACE_DAYS", 7)))


def trial_plan_code() -> str:
    """The plan a new workspace tries (the data migration creates free/starter/pro)."""
    return getattr(settings, "BILLING_TRIAL_PLAN", "pro")


def fallback_plan_code() -> str:
    """The plan a workspace is on once its trial ends without a paid subscription."""
    return getattr(settings, "BILLING_FREE_PLAN", "free")
