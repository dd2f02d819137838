from django import template

from tradepost.sales.navigation import sales_entries_for

register = template.Library()


@register.inclusion_tag("sales/_subnav.html", takes_context=True)
def sales_subnav(context):
    request = context["request"]
    return {"entries": sales_entries_for(request.user), "path": request.path}
