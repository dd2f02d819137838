"""Sales targets in CSV and Excel files: the `sales_targets` resource of
tradepost.dataio.

Import: each row is one target — columns period ("2026-12" a month, "2026-Q4" a
quarter, "2026" a year), dimension (company, branch, region, salesperson, category;
or 公司, 分公司, 区域, 销售员, 品类), code (the branch's, region's or category's code,
the salesperson's e-mail; empty for the company), amount and, optionally, quantity
(headers in English or Chinese). The whole file is checked first and every problem
reported by row — an unknown code, or one the importer may not set targets for, is a
row error — and only a file without any is saved, in one transaction: a new target is
set (`services.target_create`); a target that exists for that period and object is
adjusted (`services.target_adjust`, reason "Import") when its figures differ, and left
alone when they do not. An empty quantity leaves an existing target's quantity as it is.

Export: the targets the caller sees, in the same columns.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tradepost.accounts.models import User
from tradepost.audit.services import audit_record
from tradepost.dataio import spec as dataio
from tradepost.dataio.parsers import decimal_parser
from tradepost.masterdata.models import Branch, ProductCategory, SalesRegion
from tradepost.plans import services
from tradepost.plans.models import SalesTarget
from tradepost.plans.periods import period_parse
from tradepost.plans.selectors import target_scope, targets_visible_to
from tradepost.principals import Actor

IMPORT_REASON = "Import"
D = SalesTarget.Dimension
DIMENSION_WORDS = {
    "company": D.COMPANY,
    "公司": D.COMPANY,
    "全公司": D.COMPANY,
    "branch": D.BRANCH,
    "分公司": D.BRANCH,
    "分支机构": D.BRANCH,
    "region": D.REGION,
    "sales region": D.REGION,
    "区域": D.REGION,
    "销售区域": D.REGION,
    "salesperson": D.SALESPERSON,
    "销售员": D.SALESPERSON,
    "业务员": D.SALESPERSON,
    "category": D.CATEGORY,
    "product category": D.CATEGORY,
    "品类": D.CATEGORY,
    "商品类别": D.CATEGORY,
}


def _period(text: str, context: dict[str, Any]) -> tuple[str, Any]:
    try:
        return period_parse(text)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None


def _dimension(text: str, context: dict[str, Any]) -> str:
    found = DIMENSION_WORDS.get(text.strip().casefold())
    if found is None:
        raise ValidationError(_("Enter company, branch, region, salesperson or category."))
    return str(found)


_amount = decimal_parser(SalesTarget._meta.get_field("amount"))
_quantity = decimal_parser(SalesTarget._meta.get_field("quantity"))


def _not_negative(parse: Any) -> Any:
    def checked(text: str, context: dict[str, Any]) -> Decimal:
        value: Decimal = parse(text, context)
        if value < 0:
            raise ValidationError(_("Enter zero or more."))
        return value

    return checked


def _prepare(actor: Actor) -> dict[str, Any]:
    scope = target_scope(actor, writing=True)

    def by_code(rows: QuerySet[Any]) -> dict[str, Any]:
        return {row.code.casefold(): row for row in rows if row.code}

    return {
        "objects": {
            D.BRANCH: by_code(Branch.objects.all()),
            D.REGION: by_code(SalesRegion.objects.all()),
            D.CATEGORY: by_code(ProductCategory.objects.all()),
            D.SALESPERSON: {
                user.email.casefold(): user for user in User.objects.filter(is_active=True)
            },
        },
        "allowed": {
            D.BRANCH: set(scope.branches().values_list("pk", flat=True)),
            D.REGION: set(scope.regions().values_list("pk", flat=True)),
            D.CATEGORY: set(scope.categories().values_list("pk", flat=True)),
            D.SALESPERSON: set(scope.salespeople().values_list("pk", flat=True)),
        },
        "everything": scope.everything,
    }


NOT_FOUND = {
    D.BRANCH: gettext_lazy("No branch with the code “%(value)s”."),
    D.REGION: gettext_lazy("No sales region with the code “%(value)s”."),
    D.CATEGORY: gettext_lazy("No product category with the code “%(value)s”."),
    D.SALESPERSON: gettext_lazy("No active user with the e-mail “%(value)s”."),
}


def _check(rows: list[Any], context: dict[str, Any], report: Any) -> None:
    """Each row's code names an object of its dimension that the importer may set
    targets for (the company needs none)."""
    for row in rows:
        dimension = row.values.get("dimension")
        code = (row.cells.get("code") or "").strip()
        if dimension is None:
            continue
        if dimension == D.COMPANY:
            if code:
                report.add_error(
                    row.row, "code", code, _("Leave the code empty for a company target.")
                )
            elif not context["everything"]:
                report.add_error(
                    row.row, "dimension", dimension, _("You may not set company targets.")
                )
            continue
        if not code:
            report.add_error(row.row, "code", code, _("This field is required."))
            continue
        found = context["objects"][dimension].get(code.casefold())
        if found is None:
            report.add_error(row.row, "code", code, str(NOT_FOUND[dimension]) % {"value": code})
        elif found.pk not in context["allowed"][dimension]:
            report.add_error(row.row, "code", code, _("You may not set targets for this one."))
        else:
            row.values["object"] = found


def _apply(actor: Actor, rows: list[Any], context: dict[str, Any]) -> tuple[int, int]:
    created = updated = 0
    for row in rows:
        values = row.values
        kind, start = values["target_period"]
        dimension = values["dimension"]
        objects = {dimension: values["object"]} if dimension != D.COMPANY else {}
        existing = (
            SalesTarget.objects.select_for_update()
            .filter(period_kind=kind, period_start=start, dimension=dimension, **objects)
            .first()
        )
        quantity = values.get("quantity")
        if existing is None:
            services.target_create(
                actor=actor,
                period_kind=kind,
                period_start=start,
                dimension=dimension,
                amount=values["amount"],
                quantity=quantity,
                **objects,
            )
            created += 1
            continue
        if quantity is None:
            quantity = existing.quantity
        if existing.amount == values["amount"] and existing.quantity == quantity:
            continue
        services.target_adjust(
            actor=actor,
            target=existing,
            amount=values["amount"],
            quantity=quantity,
            reason=IMPORT_REASON,
        )
        updated += 1
    return created, updated


def _finished(actor: Actor, created: int, updated: int) -> None:
    audit_record(
        actor=actor,
        action="sales_target.imported",
        data={"created": created, "adjusted": updated},
    )


def _code(target: SalesTarget) -> str:
    if target.dimension == D.SALESPERSON:
        return target.salesperson.email if target.salesperson else ""
    thing = target.target_object
    return getattr(thing, "code", "") if thing is not None else ""


def _row_key(cells: dict[str, str]) -> str:
    return "|".join(cells.get(name, "").strip() for name in ("period", "dimension", "code"))


SALES_TARGETS = dataio.register(
    dataio.ResourceSpec(
        name="sales_targets",
        label=gettext_lazy("sales targets"),
        model=SalesTarget,
        key="period",
        row_key=_row_key,
        columns=[
            dataio.Column(
                "period",
                # Not `period`: the framework sets each value on a model instance, and
                # `SalesTarget.period` is the label property.
                field="target_period",
                required=True,
                parse=_period,
                export=lambda target: target.period,
                aliases=("期间", "计划期间"),
            ),
            dataio.Column(
                "dimension", required=True, parse=_dimension, aliases=("维度", "对象类型")
            ),
            dataio.Column(
                "code",
                parse=lambda text, context: text,
                export=_code,
                aliases=("编码", "代码", "邮箱"),
            ),
            dataio.Column(
                "amount", required=True, parse=_not_negative(_amount), aliases=("金额", "目标金额")
            ),
            dataio.Column("quantity", parse=_not_negative(_quantity), aliases=("数量", "目标数量")),
        ],
        queryset=targets_visible_to,
        prepare=_prepare,
        check=_check,
        apply=_apply,
        finished=_finished,
        list_url="plans:targets",
    )
)
