"""Apply Stripe events that never reached the webhook or failed when they did.

    tradepost replay-stripe-events              # undelivered events of the last 30 days
    tradepost replay-stripe-events --days 3
    tradepost replay-stripe-events --local-only # only events stored here and not applied

Safe to run any time: an event already applied is skipped (its id is unique).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from billing import conf
from billing.services import stripe_events_replay


class Command(BaseCommand):
    help = "Apply Stripe events that were not delivered or failed (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=30,
            help="How far back to ask Stripe for undelivered events (Stripe keeps 30 days).",
        )
        parser.add_argument(
            "--local-only",
            action="store_true",
            help="Do not ask Stripe; apply only the events stored here and not yet applied.",
        )

    def handle(self, *args, days: int, local_only: bool, **options):
        if not local_only and not conf.online():
            self.stdout.write("STRIPE_SECRET_KEY is not set: applying stored events only.")
        counts = stripe_events_replay(since_days=days, fetch_from_stripe=not local_only)
        if not counts:
            self.stdout.write("No events to apply.")
            return
        for outcome, count in sorted(counts.items()):
            self.stdout.write(f"{outcome}: {count}")
