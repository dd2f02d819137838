"""The event types a workspace's changes are published as (and a webhook endpoint can
subscribe to).

A module that emits a new event type registers it here (one line in EVENT_TYPES),
so endpoints can subscribe to it and `tradepost.events.emit` accepts it. Types are
`<resource>.<past-tense verb>`; the payload (`data` in the envelope) is the resource's
id and the fields a receiver needs without calling back.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PING = "ping"

# type → what it means, for people choosing subscriptions.
EVENT_TYPES = {
    "user.invited": _("A person was invited to the workspace"),
    "user.joined": _("An invited person accepted and joined"),
    "user.role_changed": _("A user's role changed"),
    "user.deactivated": _("A user was deactivated"),
    "user.activated": _("A user was reactivated"),
    "api_key.created": _("An API key was created"),
    "api_key.revoked": _("An API key was revoked"),
    "product.created": _("A product was added"),
    "product.updated": _("A product was changed"),
    "product.imported": _("Products were imported from a file"),
    "customer.created": _("A customer was added"),
    "customer.updated": _("A customer was changed"),
    "customer.imported": _("Customers were imported from a file"),
    "order.created": _("An order was entered (as a draft)"),
    "order.submitted": _("An order was submitted for review"),
    "order.approved": _("An order was approved by a reviewer"),
    "order.confirmed": _("An order was confirmed and numbered"),
    "order.cancelled": _("An order was cancelled"),
    "order.returned": _("Goods were returned against an order (a return was recorded)"),
    "delivery.shipped": _("A delivery left the warehouse (stock issued)"),
    "delivery.delivered": _("A delivery was signed for"),
    "stock.low": _("A product's available stock fell below its reorder point"),
    "invoice.issued": _("An invoice or a credit note was issued"),
    "invoice.paid": _("An invoice was paid in full"),
    "alert.raised": _("An alert was raised for its responsible person"),
    "alert.escalated": _("An alert was not resolved in time and went one level up"),
    PING: _("Test event, sent on request to one endpoint"),
}

# `ping` is only ever sent on request ("Send test event"), never by subscription.
SUBSCRIBABLE_EVENT_TYPES = [code for code in EVENT_TYPES if code != PING]
