"""Billing on the public domain, at `billing/`: Stripe's webhook endpoint."""

from django.urls import path

from billing.webhooks import stripe_webhook

app_name = "billing-public"

urlpatterns = [
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
]
