"""Plans, subscriptions, usage limits and Stripe billing, shared by all tenants.

Everything here lives in the public schema. A workspace's `Subscription` says which
`Plan` it is on and in what state; `billing.access` turns that into what the
workspace may do (full, a grace period with a banner, or read-only) and enforces the
plan's limits inside services. Stripe is reached only through `billing.stripe_client`,
never inside a database transaction; its webhooks are verified, stored once and
applied in order (`billing.services.stripe_event_process`).
"""
