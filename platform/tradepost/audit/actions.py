"""The actions the audit log records, each with the label a history list shows.

A module that records a new action registers it here (one line in AUDIT_ACTIONS);
`audit_record` refuses an action that is not registered, so a typo cannot start a
new, unreadable kind of entry, and lifecycle declarations (`tradepost.lifecycle`)
are checked against this registry when they are built. Actions are
`<resource>.<past-tense verb>`, like the webhook event types (`tradepost.events.types`);
they are stored as they are, so an action, once recorded, keeps its name.
"""

from __future__ import annotations

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# action → what happened, for a document's or a person's history.
AUDIT_ACTIONS: dict[str, Promise] = {
    # Workspace, people and access
    "workspace.created": _("Workspace created"),
    "note.added": _("Note added"),
    "company.updated": _("Company profile changed"),
    "numbering.changed": _("Document numbering changed"),
    "bank_account.created": _("Bank account added"),
    "bank_account.deleted": _("Bank account removed"),
    "tax_rate.created": _("Tax rate added"),
    "tax_rate.updated": _("Tax rate changed"),
    "branch.created": _("Branch added"),
    "branch.updated": _("Branch changed"),
    "salesregion.created": _("Sales region added"),
    "salesregion.updated": _("Sales region changed"),
    "productcategory.created": _("Product category added"),
    "productcategory.updated": _("Product category changed"),
    "user.invited": _("Person invited"),
    "user.invitation_revoked": _("Invitation withdrawn"),
    "user.joined": _("Invited person joined"),
    "user.role_changed": _("Role changed"),
    "user.deactivated": _("User deactivated"),
    "user.activated": _("User reactivated"),
    "user.added_by_demo": _("Demo user added"),
    "staff_profile.set": _("Staff profile set"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    "webhook_endpoint.created": _("Webhook endpoint added"),
    "webhook_endpoint.updated": _("Webhook endpoint changed"),
    "webhook_endpoint.deleted": _("Webhook endpoint removed"),
    "webhook_endpoint.pinged": _("Test event sent"),
    "webhook_delivery.redelivered": _("Webhook delivery sent again"),
    # Billing
    "billing.trial_started": _("Trial started"),
    "billing.trial_ended": _("Trial ended"),
    "billing.customer_created": _("Billing customer created"),
    "billing.checkout_started": _("Checkout started"),
    "billing.checkout_completed": _("Checkout completed"),
    "billing.plan_change_started": _("Plan change started"),
    "billing.subscription_changed": _("Subscription changed"),
    "billing.changed_by_operator": _("Billing changed by an operator"),
    # Master data and customers
    "product.created": _("Product added"),
    "product.updated": _("Product changed"),
    "product.imported": _("Products imported"),
    "customer.created": _("Customer added"),
    "customer.updated": _("Customer changed"),
    "customer.imported": _("Customers imported"),
    "customer.rated": _("Customer rated"),
    "customer_group.created": _("Customer group added"),
    "customer_group.updated": _("Customer group changed"),
    "contact.created": _("Contact added"),
    "contact.updated": _("Contact changed"),
    "contact.deleted": _("Contact removed"),
    "contact.imported": _("Contacts imported"),
    "activity.created": _("Activity recorded"),
    "activity.updated": _("Activity changed"),
    "activity.deleted": _("Activity removed"),
    "ticket.created": _("Ticket opened"),
    "ticket.updated": _("Ticket changed"),
    "price_list.created": _("Price list added"),
    "price_list.updated": _("Price list changed"),
    "price_list.deleted": _("Price list removed"),
    "price_list.price_set": _("Price set"),
    "price_list.price_removed": _("Price removed"),
    # Pipeline
    "stage_probability.changed": _("Stage probability changed"),
    "opportunity.created": _("Opportunity added"),
    "opportunity.updated": _("Opportunity changed"),
    "opportunity.moved": _("Opportunity moved"),
    # Quotes and orders
    "quote.created": _("Quote created"),
    "quote.updated": _("Quote changed"),
    "quote.sent": _("Quote sent"),
    "quote.emailed": _("Quote e-mailed"),
    "order.emailed": _("Order confirmation e-mailed"),
    "quote.accepted": _("Quote accepted"),
    "quote.declined": _("Quote declined"),
    "quote.cancelled": _("Quote cancelled"),
    "quote.converted": _("Quote converted into an order"),
    "order.created": _("Order entered"),
    "order.updated": _("Order changed"),
    "order.submitted": _("Order submitted for review"),
    "order.approved": _("Order approved"),
    "order.rejected": _("Order rejected"),
    "order.confirmed": _("Order confirmed"),
    "order.shipped": _("Shipment recorded"),
    "order.delivered": _("Delivery recorded"),
    "order.closed": _("Order closed"),
    "order.cancelled": _("Order cancelled"),
    "order.returned": _("Return recorded"),
    # Inventory
    "delivery.created": _("Delivery picked"),
    "delivery.updated": _("Delivery changed"),
    "delivery.shipped": _("Delivery shipped"),
    "delivery.delivered": _("Delivery signed for"),
    "delivery.cancelled": _("Delivery cancelled"),
    "invoice.created": _("Invoice drafted"),
    "invoice.updated": _("Invoice changed"),
    "invoice.issued": _("Invoice issued"),
    "invoice.cancelled": _("Invoice cancelled"),
    "payment.received": _("Payment received"),
    "payment.allocated": _("Payment allocated"),
    "payment.unallocated": _("Allocation removed"),
    "payment.refunded": _("Refund paid"),
    "payment.cancelled": _("Payment cancelled"),
    "receivable.adjusted": _("Receivable adjusted"),
    "credit_override.granted": _("Credit override granted"),
    "credit_override.used": _("Credit override used"),
    "exchange_rate.saved": _("Exchange rate entered"),
    "exchange_rate.imported": _("Exchange rates imported"),
    # Plans
    "sales_target.created": _("Sales target set"),
    "sales_target.adjusted": _("Sales target adjusted"),
    "sales_target.deleted": _("Sales target removed"),
    "sales_target.imported": _("Sales targets imported"),
    "payment_reminder.sent": _("Payment reminder e-mailed"),
    "expense.created": _("Expense claim entered"),
    "expense.updated": _("Expense claim changed"),
    "expense.submitted": _("Expense claim submitted"),
    "expense.approved": _("Expense claim approved"),
    "expense.rejected": _("Expense claim rejected"),
    "expense.paid": _("Expense claim paid"),
    "settlement_settings.updated": _("Settlement settings changed"),
    "rebate_rule.created": _("Rebate rule added"),
    "rebate_rule.updated": _("Rebate rule changed"),
    "rebate.computed": _("Rebate computed"),
    "rebate.approved": _("Rebate approved"),
    "rebate.rejected": _("Rebate rejected"),
    "rebate.posted": _("Rebate posted as a credit note"),
    "receipt.created": _("Receipt entered"),
    "receipt.updated": _("Receipt changed"),
    "receipt.received": _("Goods received"),
    "receipt.cancelled": _("Receipt cancelled"),
    "transfer.created": _("Transfer requested"),
    "transfer.shipped": _("Transfer shipped"),
    "transfer.received": _("Transfer received"),
    "transfer.cancelled": _("Transfer cancelled"),
    "stocktake.created": _("Stocktake started"),
    "stocktake.counted": _("Stocktake counts entered"),
    "stocktake.posted": _("Stocktake posted"),
    "stocktake.cancelled": _("Stocktake cancelled"),
    "stock_adjustment.posted": _("Stock adjusted"),
    "stock.reorder_point_set": _("Reorder point set"),
    "stock.opening_imported": _("Opening stock imported"),
    "location.created": _("Location added"),
    "location.updated": _("Location changed"),
    "supplier.created": _("Supplier added"),
    "supplier.updated": _("Supplier changed"),
    "promotion.created": _("Promotion added"),
    "promotion.updated": _("Promotion changed"),
    "promotion.deactivated": _("Promotion ended"),
    # Dealer channel
    "dealer_stock.reported": _("Dealer stock reported"),
    "dealer_report.created": _("Dealer report added"),
    "price_adjustment.created": _("Price adjustment created"),
    "price_adjustment.recomputed": _("Price adjustment computed again"),
    "price_adjustment.line_set": _("Dealer quantity corrected"),
    "price_adjustment.approved": _("Price adjustment approved"),
    "price_adjustment.posted": _("Price adjustment posted"),
    "price_adjustment.cancelled": _("Price adjustment cancelled"),
    "demand_plan.created": _("Demand plan created"),
    "demand_plan.updated": _("Demand plan changed"),
    "demand_plan.submitted": _("Demand plan submitted"),
    "demand_plan.accepted": _("Demand plan accepted"),
    "demand_plan.returned": _("Demand plan returned"),
    "agreement.created": _("Agreement created"),
    "agreement.updated": _("Agreement changed"),
    "agreement.activated": _("Agreement activated"),
    "agreement.closed": _("Agreement closed"),
    "alert_rule.updated": _("Alert rule changed"),
    "alert.acknowledged": _("Alert acknowledged"),
    "alert.resolved": _("Alert resolved"),
}


class UnregisteredAuditAction(ValueError):
    """An action missing from AUDIT_ACTIONS: register it before recording it."""


def audit_action_check(action: str) -> str:
    """`action` itself when registered; raises `UnregisteredAuditAction` otherwise."""
    if action not in AUDIT_ACTIONS:
        raise UnregisteredAuditAction(
            f"Audit action {action!r} is not registered in tradepost.audit.actions."
        )
    return action


def audit_action_label(action: str) -> str:
    """The readable label of `action` in the active language (the action itself for
    an entry recorded under a name no longer registered)."""
    label = AUDIT_ACTIONS.get(action)
    return str(label) if label is not None else action


def target_type_label(target_type: str) -> str:
    """The kind of object an entry is about, in the active language (`sales.order` →
    "sales order" / "销售订单"); the stored name when the model is gone."""
    if not target_type:
        return ""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)
