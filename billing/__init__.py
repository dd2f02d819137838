"""Plans, subscriptions and Stripe billing, shared by all tenants (public schema).

Empty until the billing issue lands; the app is installed now so its migrations
start on the public schema from day one.
"""
