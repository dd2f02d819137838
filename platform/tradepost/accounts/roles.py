"""The workspace roles (PRODUCT.md, seed article 7) as Django groups.

A role is a `Group` whose name is the role's code; its label is translated here.
`ROLE_PERMISSIONS` says which permissions each role holds; modules add their
codenames to it as they arrive. `sync_role_groups` runs after every migrate of a
schema, so the template, the pooled schemas and every workspace stay in step.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_PERMISSIONS = "__all__"


class Role(models.TextChoices):
    SYSTEM_ADMINISTRATOR = "system_administrator", _("System administrator")
    EXECUTIVE = "executive", _("Executive")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALESPERSON = "salesperson", _("Salesperson")
    WAREHOUSE_MANAGER = "warehouse_manager", _("Warehouse manager")
    FINANCE_MANAGER = "finance_manager", _("Finance manager")
    CUSTOMER_INFORMATION_MANAGER = "customer_information_manager", _("Customer-information manager")
    DEALER = "dealer", _("Dealer")


# "app_label.codename" per role. The system administrator holds every permission.
ROLE_PERMISSIONS: dict[str, str | list[str]] = {
    Role.SYSTEM_ADMINISTRATOR: ALL_PERMISSIONS,
    Role.EXECUTIVE: ["accounts.view_user", "audit.view_auditentry"],
    Role.SALES_MANAGER: ["accounts.view_user"],
    Role.SALESPERSON: ["accounts.view_user"],
    Role.WAREHOUSE_MANAGER: ["accounts.view_user"],
    Role.FINANCE_MANAGER: ["accounts.view_user"],
    Role.CUSTOMER_INFORMATION_MANAGER: ["accounts.view_user"],
    Role.DEALER: [],
}

# Master data (tradepost.masterdata, whose docstring gives the reasons): every staff
# role reads the lists other modules pick from; the keepers of the master files
# maintain products and categories; executives and finance see the company profile.
_MASTERDATA_LISTS = [
    f"masterdata.view_{model}"
    for model in ("product", "productcategory", "branch", "salesregion", "taxrate", "staffprofile")
]
_MASTERDATA_KEEPERS = [
    f"masterdata.{action}_{model}"
    for action in ("add", "change")
    for model in ("product", "productcategory")
]
_COMPANY_READ = ["masterdata.view_companyprofile", "masterdata.view_bankaccount"]
for _role, _extra in {
    Role.EXECUTIVE: _MASTERDATA_LISTS + _COMPANY_READ,
    Role.SALES_MANAGER: _MASTERDATA_LISTS + _MASTERDATA_KEEPERS,
    Role.SALESPERSON: _MASTERDATA_LISTS,
    Role.WAREHOUSE_MANAGER: _MASTERDATA_LISTS,
    Role.FINANCE_MANAGER: _MASTERDATA_LISTS + _COMPANY_READ,
    Role.CUSTOMER_INFORMATION_MANAGER: _MASTERDATA_LISTS + _MASTERDATA_KEEPERS,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]

# Customers and CRM (tradepost.customers; which customers each role reaches is the
# scope in customers/selectors.py). Sales staff keep their customers, contacts,
# activities and tickets; managers also rate credit and keep price lists; finance
# sets credit limits and payment terms; the customer-information manager keeps the
# customer files and groups; dealers read their own record and send reports.
_CUSTOMERS_READ = [
    f"customers.view_{model}"
    for model in (
        "customer",
        "contact",
        "customergroup",
        "pricelist",
        "creditrating",
        "activity",
        "ticket",
        "dealerreport",
    )
]
_CUSTOMERS_SALES = _CUSTOMERS_READ + [
    "customers.add_customer",
    "customers.change_customer",
    *(f"customers.{a}_{m}" for m in ("contact", "activity") for a in ("add", "change", "delete")),
    "customers.add_ticket",
    "customers.change_ticket",
    "customers.add_dealerreport",
]
_CUSTOMERS_PRICING = [f"customers.{a}_pricelist" for a in ("add", "change", "delete")]
_CUSTOMERS_CREDIT = ["customers.change_credit_terms", "customers.add_creditrating"]
_CUSTOMERS_GROUPS = ["customers.add_customergroup", "customers.change_customergroup"]
for _role, _extra in {
    Role.EXECUTIVE: _CUSTOMERS_READ + _CUSTOMERS_PRICING + _CUSTOMERS_CREDIT + _CUSTOMERS_GROUPS,
    Role.SALES_MANAGER: _CUSTOMERS_SALES + _CUSTOMERS_PRICING + ["customers.add_creditrating"],
    Role.SALESPERSON: _CUSTOMERS_SALES,
    Role.FINANCE_MANAGER: _CUSTOMERS_READ + _CUSTOMERS_CREDIT,
    Role.CUSTOMER_INFORMATION_MANAGER: _CUSTOMERS_SALES
    + _CUSTOMERS_PRICING
    + _CUSTOMERS_GROUPS
    + ["customers.add_creditrating"],
    Role.DEALER: [
        "customers.view_customer",
        "customers.view_contact",
        "customers.view_pricelist",
        "customers.view_creditrating",
        "customers.view_dealerreport",
        "customers.add_dealerreport",
    ],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# The sales menu (tradepost.sales, .pipeline, .pricing, .channel). Salespeople keep
# their pipeline, quotes and orders and submit orders for review; sales managers
# review, confirm and cancel orders, run
# promotions, price adjustments, agreements and review demand plans; executives see
# and review everything; finance approves and posts price-adjustment credits and
# reads the documents; the warehouse records shipments and deliveries; dealers place
# orders on their own record, report their stock and send monthly demand plans.
# The sales menu spans four apps; a codename's model says which app's label it takes.
_SALES_MENU_APPS = {
    "opportunity": "pipeline",
    "stageprobability": "pipeline",
    "promotion": "pricing",
    "agreement": "channel",
    "demandplan": "channel",
    "dealerstockreport": "channel",
    "priceadjustment": "channel",
}


def _sales(*codenames: str) -> list[str]:
    return [
        f"{_SALES_MENU_APPS.get(codename.split('_', 1)[1], 'sales')}.{codename}"
        for codename in codenames
    ]


_SALES_READ = _sales(
    "view_opportunity",
    "view_quote",
    "view_order",
    "view_orderreturn",
    "view_promotion",
    "view_agreement",
    "view_demandplan",
    "view_dealerstockreport",
    "view_priceadjustment",
    "view_settlementcredit",
)
_SALES_SELLING = _SALES_READ + _sales(
    *(f"{a}_{m}" for m in ("opportunity", "quote") for a in ("add", "change")),
    "add_order",
    "change_order",
    "add_dealerstockreport",
    "add_demandplan",
    "change_demandplan",
)
_SALES_MANAGING = _sales(
    "review_order",
    "confirm_order",
    "cancel_order",
    "add_orderreturn",
    *(f"{a}_{m}" for m in ("promotion", "agreement") for a in ("add", "change")),
    "add_priceadjustment",
    "change_priceadjustment",
    "review_priceadjustment",
    "review_demandplan",
    "change_stageprobability",
    "view_stageprobability",
)
for _role, _extra in {
    Role.EXECUTIVE: _SALES_READ + _sales("review_order", "view_stageprobability"),
    Role.SALES_MANAGER: _SALES_SELLING + _SALES_MANAGING,
    Role.SALESPERSON: _SALES_SELLING,
    Role.FINANCE_MANAGER: _SALES_READ
    + _sales("review_priceadjustment", "post_priceadjustment", "add_orderreturn"),
    Role.WAREHOUSE_MANAGER: _sales("view_order", "ship_order"),
    Role.DEALER: _sales(
        "view_order",
        "add_order",
        "change_order",
        "view_promotion",
        "view_agreement",
        "view_demandplan",
        "add_demandplan",
        "change_demandplan",
        "view_dealerstockreport",
        "add_dealerstockreport",
        "view_settlementcredit",
    ),
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# Inventory (tradepost.inventory; locations and suppliers are master data). The warehouse
# runs receipts, transfers, deliveries (sales.ship_order, above), stocktakes and
# adjustments, keeps locations, suppliers and reorder points, and sees costs; sales
# staff see availability, not cost; executives and finance read everything with costs;
# dealers see their own orders' deliveries.
_STOCK_READ = ["inventory.view_stockbalance", "inventory.view_delivery", "masterdata.view_location"]
_STOCK_COSTS = [
    "inventory.view_stock_cost",
    "inventory.view_stockmove",
    "masterdata.view_supplier",
    "inventory.view_receipt",
    "inventory.view_transfer",
    "inventory.view_stocktake",
    "inventory.view_stockadjustment",
]
_STOCK_KEEPING = [
    *(
        f"inventory.{a}_{m}"
        for m in ("receipt", "transfer", "stocktake")
        for a in ("add", "change")
    ),
    "inventory.add_stockadjustment",
    "inventory.add_stockbalance",  # with change: imports opening stock
    "inventory.change_stockbalance",
    *(f"masterdata.{a}_{m}" for m in ("location", "supplier") for a in ("add", "change")),
]
for _role, _extra in {
    Role.EXECUTIVE: _STOCK_READ + _STOCK_COSTS,
    Role.SALES_MANAGER: _STOCK_READ,
    Role.SALESPERSON: _STOCK_READ,
    Role.WAREHOUSE_MANAGER: _STOCK_READ + _STOCK_COSTS + _STOCK_KEEPING,
    Role.FINANCE_MANAGER: _STOCK_READ + _STOCK_COSTS,
    Role.DEALER: ["inventory.view_delivery"],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# Settlement (tradepost.settlement). Finance owns invoices, payments, adjustments (调帐),
# overrides and exchange rates; executives read everything; sales staff and dealers read
# the receivables, invoices and payments of the customers in their scope (the customer
# scope decides which), so a dealer sees its own statement, invoices and credits.
_SETTLEMENT_READ = [
    "settlement.view_collectionnote",
    "settlement.view_invoice",
    "settlement.view_payment",
    "settlement.view_ledgerentry",
    "settlement.view_customeraccount",
]
_SETTLEMENT_FINANCE = [
    *(f"settlement.{a}_{m}" for m in ("invoice", "payment") for a in ("add", "change")),
    "settlement.issue_invoice",
    "settlement.cancel_invoice",
    "settlement.adjust_receivable",
    "settlement.view_creditoverride",
    "settlement.add_creditoverride",
    "settlement.view_exchangerate",
    "settlement.add_exchangerate",
    "settlement.change_exchangerate",
    "settlement.view_settlementsettings",
    "settlement.change_settlementsettings",
    "settlement.change_customeraccount",
    "settlement.add_collectionnote",
]
# Sales expenses: salespeople and managers claim; managers and finance review; finance
# pays; executives and finance read every claim.
_EXPENSES_CLAIM = ["settlement.add_expenseclaim", "settlement.change_expenseclaim"]
_EXPENSES_FINANCE = ["settlement.view_expenseclaim", "settlement.pay_expenseclaim"]
# Rebates (返利): finance keeps the rules, computes, reviews and posts; executives and
# sales managers read the rules and the rebates of the customers in their scope.
_REBATES_READ = ["settlement.view_rebaterule", "settlement.view_rebate"]
_REBATES_FINANCE = [
    *_REBATES_READ,
    "settlement.add_rebaterule",
    "settlement.change_rebaterule",
    "settlement.add_rebate",
    "settlement.review_rebate",
    "settlement.post_rebate",
]
for _role, _extra in {
    Role.EXECUTIVE: [
        *_SETTLEMENT_READ,
        "settlement.view_creditoverride",
        "settlement.view_exchangerate",
        "settlement.view_expenseclaim",
        *_REBATES_READ,
    ],
    Role.SALES_MANAGER: [
        *_SETTLEMENT_READ,
        "settlement.view_creditoverride",
        "settlement.add_collectionnote",
        *_EXPENSES_CLAIM,
        "settlement.review_expenseclaim",
        *_REBATES_READ,
    ],
    Role.SALESPERSON: [*_SETTLEMENT_READ, "settlement.add_collectionnote", *_EXPENSES_CLAIM],
    Role.FINANCE_MANAGER: [
        *_SETTLEMENT_READ,
        *_SETTLEMENT_FINANCE,
        *_EXPENSES_CLAIM,
        "settlement.review_expenseclaim",
        *_EXPENSES_FINANCE,
        *_REBATES_FINANCE,
    ],
    # A dealer reads its own statement, invoices and credits, not the collectors' notes.
    Role.DEALER: [p for p in _SETTLEMENT_READ if p != "settlement.view_collectionnote"],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# Plans (tradepost.plans): executives set every target; sales managers set those of
# their branch's and region's subtrees and their people (the scope in
# plans/selectors.py); finance reads every target; salespeople read their own.
_TARGETS_READ = ["plans.view_salestarget"]
_TARGETS_KEEP = [f"plans.{a}_salestarget" for a in ("add", "change", "delete")]
for _role, _extra in {
    Role.EXECUTIVE: _TARGETS_READ + _TARGETS_KEEP,
    Role.SALES_MANAGER: _TARGETS_READ + _TARGETS_KEEP,
    Role.SALESPERSON: _TARGETS_READ,
    Role.FINANCE_MANAGER: _TARGETS_READ,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# Reports (tradepost.reports). The monthly stock report (进销存月报) is for who runs or
# accounts for the stock; warehouse and finance may rebuild a month from the ledger.
_STOCK_REPORT = ["reports.view_stockmonthly"]
for _role, _extra in {
    Role.EXECUTIVE: _STOCK_REPORT,
    Role.WAREHOUSE_MANAGER: [*_STOCK_REPORT, "reports.rebuild_stockmonthly"],
    Role.FINANCE_MANAGER: [*_STOCK_REPORT, "reports.rebuild_stockmonthly"],
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]


# The customer-value report (TOP-N, churn warnings, lifetime and referral value) is for
# who sees customers' sales, each within their customer scope; administrators hold every
# permission, so they also set N and k.
for _role in (Role.EXECUTIVE, Role.SALES_MANAGER, Role.SALESPERSON):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "reports.view_customervalue"]


# Early warning (tradepost.alerts): every member of staff sees and acts on the alerts they
# have and those of the people reporting to them (alerts/selectors.py); executives see
# every alert and, with the administrators, keep the rules. Dealers get none.
_ALERTS_ACT = ["alerts.view_alert", "alerts.change_alert"]
for _role, _extra in {
    Role.EXECUTIVE: [
        *_ALERTS_ACT,
        "alerts.view_all_alerts",
        "alerts.view_alertrule",
        "alerts.change_alertrule",
    ],
    Role.SALES_MANAGER: _ALERTS_ACT,
    Role.SALESPERSON: _ALERTS_ACT,
    Role.WAREHOUSE_MANAGER: _ALERTS_ACT,
    Role.FINANCE_MANAGER: _ALERTS_ACT,
    Role.CUSTOMER_INFORMATION_MANAGER: _ALERTS_ACT,
}.items():
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], *_extra]

# The sales drill-down (sales, gross margin, receivables by any dimension) is for who
# sees customers' sales, each within their customer scope; finance rebuilds the rollup.
for _role in (Role.EXECUTIVE, Role.SALES_MANAGER, Role.SALESPERSON, Role.FINANCE_MANAGER):
    ROLE_PERMISSIONS[_role] = [*ROLE_PERMISSIONS[_role], "reports.view_salesmonthly"]
ROLE_PERMISSIONS[Role.FINANCE_MANAGER] = [
    *ROLE_PERMISSIONS[Role.FINANCE_MANAGER],
    "reports.rebuild_salesmonthly",
]


def role_label(code: str) -> str:
    try:
        return str(Role(code).label)
    except ValueError:
        return code


def sync_role_groups(sender=None, using: str = "default", **kwargs) -> None:
    """Create the role groups in the current schema and set their permissions."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.db import connection

    # django-tenants' connection
    if connection.schema_name == "public":  # type: ignore[attr-defined]
        return  # roles are a workspace matter
    # post_migrate fires once per app; act on the last one, when every app's
    # permissions exist.
    last_app = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is not None and sender.label != last_app.label:
        return
    permissions = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.using(using).select_related("content_type")
    }
    for role in Role:
        group, _ = Group.objects.using(using).get_or_create(name=role.value)
        wanted = ROLE_PERMISSIONS[role]
        if wanted == ALL_PERMISSIONS:
            group.permissions.set(permissions.values())
        else:
            group.permissions.set([permissions[code] for code in wanted if code in permissions])
