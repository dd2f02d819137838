"""Customers and contacts in CSV and Excel files: the `customers` and `contacts`
resources of tradepost.dataio (the workspace's one import/export mechanism).

customers — key `code` (a known code, in any case, updates that customer; the
customer must be in the importer's scope). Columns: code, name, channel, group
(name), branch and region (code or name), owner and portal_user (e-mail, among the
importer's choices: selectors.py "Choices"), referred_by (customer code), tax_id,
phone, email, website, address, notes, currency, credit_limit, payment_terms_days,
is_active. Tags and the credit grade are
not in the files (an exported file must import back, and the import reads only
fields it can write; tags are set on the customer's page or through the API, grades
come from ratings). Left-out columns keep their value on update; new customers get the
importer as salesperson, the importer's branch and region, the base currency.

contacts — key `code`. Columns: code, customer (customer code), name, title, phone,
mobile, email, wechat, is_primary, notes.

The rules of the services hold for every row: credit limit and payment terms only
with the finance permission, every customer stays within the importer's scope, one
primary contact per customer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost import events
from tradepost.accounts.models import User
from tradepost.accounts.roles import Role
from tradepost.audit.services import audit_record
from tradepost.customers import selectors
from tradepost.customers.models import Contact, Customer, CustomerGroup
from tradepost.customers.services import CREDIT_FIELDS, base_currency
from tradepost.dataio import parsers
from tradepost.dataio import spec as dataio
from tradepost.dataio.parsers import lookup_parser, lookup_table
from tradepost.masterdata.models import Branch, SalesRegion, StaffProfile
from tradepost.principals import Actor


def _tree_table(model) -> dict[str, Any]:
    nodes = list(model.objects.only("pk", "name", "code"))
    table = lookup_table([(node.name, node) for node in nodes])
    table.update({node.code.casefold(): node for node in nodes if node.code})
    return table


def _user_of(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# --- Customers -----------------------------------------------------------------------
def _prepare_customers(actor: Actor) -> dict[str, Any]:
    user = _user_of(actor)
    profile = StaffProfile.objects.filter(user=user).first() if user else None
    # Owners and portal sign-ins are looked up among the importer's choices only
    # (selectors.py, "Choices"): anyone else reads like an unknown e-mail.
    users = list(selectors.users_visible_to(actor).only("pk", "email"))
    portal_users = User.objects.filter(
        Q(pk__in=selectors.users_visible_to(actor).values("pk"))
        | Q(pk__in=selectors.dealer_users_visible_to(actor).values("pk"))
    ).only("pk", "email")
    dealers = set(User.objects.filter(groups__name=Role.DEALER.value).values_list("pk", flat=True))
    visible = selectors.customers_visible_to(actor).only("pk", "code")
    return {
        "actor": actor,
        "groups": lookup_table([(g.name, g) for g in CustomerGroup.objects.only("pk", "name")]),
        "branches": _tree_table(Branch),
        "regions": _tree_table(SalesRegion),
        "users": lookup_table([(u.email, u) for u in users]),
        "portal_users": lookup_table([(u.email, u) for u in portal_users]),
        "dealers": dealers,
        "customers": lookup_table([(c.code, c) for c in visible]),
        "covers": selectors.customer_scope(actor).matcher(),
        "can_change_credit": bool(actor and actor.has_perm("customers.change_credit_terms")),
        "defaults": {
            "owner": user,
            "branch": profile.branch if profile else None,
            "region": profile.region if profile else None,
            "currency": base_currency(),
        },
    }


def _customer_defaults(context: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in context["defaults"].items() if value is not None}


def _check_customers(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    """The services' rules, per row: finance fields, scope, portal users, referrals."""
    blank = Customer()
    defaults = _customer_defaults(context)
    for row in rows:
        existing = report.existing.get(row.key)

        def ident(name, row=row, existing=existing):
            """The id the row's customer will have in this foreign key."""
            if name in row.values:
                return getattr(row.values[name], "pk", None)
            if existing is not None:
                return getattr(existing, f"{name}_id")
            return getattr(defaults.get(name), "pk", None)

        if not context["can_change_credit"]:
            for name in CREDIT_FIELDS:
                before = getattr(existing if existing is not None else blank, name)
                if name in row.values and row.values[name] != before:
                    report.add_error(
                        row.row,
                        name,
                        row.cells.get(name, ""),
                        _("Only finance can set credit limits and payment terms."),
                    )
        portal_user_id = ident("portal_user")
        if not context["covers"](
            owner_id=ident("owner"),
            portal_user_id=portal_user_id,
            branch_id=ident("branch"),
            region_id=ident("region"),
        ):
            report.add_error(
                row.row,
                "owner",
                row.cells.get("owner", ""),
                _(
                    "You would no longer see this customer: keep yourself as its "
                    "salesperson, or choose a branch or region you manage."
                ),
            )
        if portal_user_id is not None and portal_user_id not in context["dealers"]:
            report.add_error(
                row.row,
                "portal_user",
                row.cells.get("portal_user", ""),
                _("The portal sign-in must be a user with the dealer role."),
            )
        referrer = row.values.get("referred_by")
        if referrer is not None and referrer.code.casefold() == row.key:
            report.add_error(
                row.row,
                "referred_by",
                row.cells.get("referred_by", ""),
                _("A customer cannot refer itself."),
            )


def _customers_finished(actor: Actor, created: int, updated: int) -> None:
    data = {"created": created, "updated": updated}
    audit_record(actor=actor, action="customer.imported", data=data)
    events.emit(event_type="customer.imported", payload=data)


def _browser_customers(actor: Actor, query: Any):
    """Export what the customer list shows: its search, filters and sort."""
    from tradepost.customers.filters import CustomerListFilter
    from tradepost.workspace.lists import filter_query

    return filter_query(query or {}, actor, selectors.customer_list(actor), CustomerListFilter)


def _code_of(attribute: str):
    def export(obj) -> str:
        related = getattr(obj, attribute)
        return (related.code or related.name) if related is not None else ""

    return export


def _name_of(attribute: str):
    def export(obj) -> str:
        related = getattr(obj, attribute)
        return related.name if related is not None else ""

    return export


def _email_of(attribute: str):
    def export(obj) -> str:
        related = getattr(obj, attribute)
        return related.email if related is not None else ""

    return export


def _referrer_code(customer: Customer) -> str:
    return customer.referred_by.code if customer.referred_by else ""


def _payment_terms(text: str, context: dict[str, Any]) -> int:
    days = parsers.integer(text, context)
    if not 0 <= days <= 365:
        raise ValidationError(_("Give a number of days from 0 to 365."))
    return days


_find_customer = lookup_parser(
    "customers", gettext_lazy("No customer with the code “%(value)s” among yours.")
)
_NO_USER = gettext_lazy("No user you may choose has the e-mail “%(value)s”.")

CUSTOMERS = dataio.register(
    dataio.ResourceSpec(
        name="customers",
        label=Customer._meta.verbose_name_plural,  # type: ignore[arg-type]  # lazy text
        model=Customer,
        key="code",
        columns=[
            dataio.Column("code", required=True, aliases=("客户编码", "编码")),
            dataio.Column("name", required=True, aliases=("客户名称", "名称")),
            dataio.Column("channel", aliases=("渠道",)),
            dataio.Column(
                "group",
                parse=lookup_parser("groups", gettext_lazy("No customer group “%(value)s”.")),
                export=_name_of("group"),
                aliases=("客户组", "分组"),
            ),
            dataio.Column(
                "branch",
                parse=lookup_parser("branches", gettext_lazy("No branch “%(value)s”.")),
                export=_code_of("branch"),
                aliases=("分公司", "门店"),
            ),
            dataio.Column(
                "region",
                parse=lookup_parser("regions", gettext_lazy("No sales region “%(value)s”.")),
                export=_code_of("region"),
                aliases=("区域", "销售区域"),
            ),
            dataio.Column(
                "owner",
                parse=lookup_parser("users", _NO_USER),
                export=_email_of("owner"),
                aliases=("salesperson", "业务员", "销售员"),
            ),
            dataio.Column(
                "portal_user",
                parse=lookup_parser("portal_users", _NO_USER),
                export=_email_of("portal_user"),
                aliases=("门户账号",),
            ),
            dataio.Column(
                "referred_by",
                parse=_find_customer,
                export=_referrer_code,
                aliases=("推荐人", "介绍人"),
            ),
            dataio.Column("tax_id", aliases=("税号",)),
            dataio.Column("phone", aliases=("电话",)),
            dataio.Column("email", aliases=("邮箱", "电子邮件")),
            dataio.Column("website", aliases=("网站",)),
            dataio.Column("address", aliases=("地址",)),
            dataio.Column("notes", aliases=("备注",)),
            dataio.Column("currency", aliases=("币种", "货币")),
            dataio.Column("credit_limit", aliases=("信用额度",)),
            dataio.Column(
                "payment_terms_days",
                parse=_payment_terms,
                aliases=("payment_terms", "账期", "账期天数"),
            ),
            dataio.Column("is_active", aliases=("active", "启用")),
        ],
        queryset=selectors.customers_visible_to,
        prepare=_prepare_customers,
        defaults=_customer_defaults,
        check=_check_customers,
        finished=_customers_finished,
        export_queryset=lambda queryset: queryset.select_related(
            "group", "branch", "region", "owner", "portal_user", "referred_by"
        ),
        list_url="customers:list",
        browser_queryset=_browser_customers,
    )
)


# --- Contacts ------------------------------------------------------------------------
def _prepare_contacts(actor: Actor) -> dict[str, Any]:
    visible = selectors.customers_visible_to(actor).only("pk", "code")
    return {"customers": lookup_table([(c.code, c) for c in visible])}


def _check_contacts(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    """One primary contact per customer: in the file, and against the contacts that
    are primary now and stay so."""
    primary_rows: dict[int, list[Any]] = defaultdict(list)
    demoted: set[str] = set()
    for row in rows:
        existing = report.existing.get(row.key)
        customer_id = getattr(row.values.get("customer"), "pk", None)
        if customer_id is None:
            continue  # a row error already: the customer column is required
        is_primary = row.values.get("is_primary", existing.is_primary if existing else False)
        if is_primary:
            primary_rows[customer_id].append(row)
        elif existing is not None:
            demoted.add(row.key)
    for holders in primary_rows.values():
        for row in holders[1:]:
            report.add_error(
                row.row,
                "is_primary",
                row.cells.get("is_primary", ""),
                _("Also primary on row %(row)d; one primary contact per customer.")
                % {"row": holders[0].row},
            )
    if not primary_rows:
        return
    current = Contact.objects.filter(customer_id__in=list(primary_rows), is_primary=True)
    for contact in current.only("code", "customer_id"):
        key = contact.code.casefold()
        if key in demoted or any(row.key == key for row in primary_rows[contact.customer_id]):
            continue
        for row in primary_rows[contact.customer_id]:
            report.add_error(
                row.row,
                "is_primary",
                row.cells.get("is_primary", ""),
                _("%(code)s is this customer's primary contact; unset it first.")
                % {"code": contact.code},
            )


def _contacts_finished(actor: Actor, created: int, updated: int) -> None:
    audit_record(
        actor=actor, action="contact.imported", data={"created": created, "updated": updated}
    )


def _browser_contacts(actor: Actor, query: Any):
    contacts = selectors.contacts_visible_to(actor)
    customer = (query or {}).get("customer", "")
    if customer.isdigit():
        contacts = contacts.filter(customer_id=int(customer))
    return contacts.order_by("customer__name", "name", "pk")


CONTACTS = dataio.register(
    dataio.ResourceSpec(
        name="contacts",
        label=Contact._meta.verbose_name_plural,  # type: ignore[arg-type]  # lazy text
        model=Contact,
        key="code",
        columns=[
            dataio.Column("code", required=True, aliases=("联系人编码", "编码")),
            dataio.Column(
                "customer",
                parse=_find_customer,
                export=lambda contact: contact.customer.code,
                required=True,
                aliases=("客户编码", "客户"),
            ),
            dataio.Column("name", required=True, aliases=("姓名", "联系人")),
            dataio.Column("title", aliases=("职务",)),
            dataio.Column("phone", aliases=("电话",)),
            dataio.Column("mobile", aliases=("手机",)),
            dataio.Column("email", aliases=("邮箱", "电子邮件")),
            dataio.Column("wechat", aliases=("微信",)),
            dataio.Column("is_primary", aliases=("primary", "主联系人")),
            dataio.Column("notes", aliases=("备注",)),
        ],
        queryset=selectors.contacts_visible_to,
        prepare=_prepare_contacts,
        check=_check_contacts,
        finished=_contacts_finished,
        export_queryset=lambda queryset: queryset.select_related("customer"),
        list_url="customers:list",
        browser_queryset=_browser_contacts,
    )
)
