"""Outbound webhooks: a workspace registers endpoint URLs and the event types it wants;
services record events in an outbox in their own transaction, and a Celery task POSTs
each one, signed, after commit, retrying with backoff. See `signing` for the receiver's
side."""
