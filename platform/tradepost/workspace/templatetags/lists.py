"""`{% sort_th label column [css_class] %}`: a list's column header that sorts by the
column (`?sort=column`, again for descending), keeping the list's filters and going
back to the first page. The list's FilterSet names the column in its `sort` filter
(`workspace.filters.SortFilter`, or the customer list's own sort choices)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, label, column: str, css_class: str = "") -> str:
    request = context["request"]
    filters = context.get("filters")
    cleaned = getattr(filters.form, "cleaned_data", {}) if filters is not None else {}
    current = cleaned.get("sort") or ""
    ascending, descending = current == column, current == f"-{column}"
    target = f"-{column}" if ascending else column
    query = [(k, v) for k, v in request.GET.items() if k not in ("page", "sort") and v]
    href = "?" + urlencode([*query, ("sort", target)])
    sort = "ascending" if ascending else "descending" if descending else None
    mark = " ▲" if ascending else " ▼" if descending else ""
    title = _("Sort by this column")
    link = '<a class="sort" href="{}" title="{}">{}<span aria-hidden="true">{}</span></a>'
    return format_html(
        "<th{}{}>" + link + "</th>",
        format_html(' class="{}"', css_class) if css_class else "",
        format_html(' aria-sort="{}"', sort) if sort else "",
        href,
        title,
        label,
        mark,
    )
