from django import template

from tradepost.settlement.navigation import finance_entries_for

register = template.Library()


@register.inclusion_tag("settlement/_subnav.html", takes_context=True)
def finance_subnav(context):
    request = context["request"]
    return {"entries": finance_entries_for(request.user), "path": request.path}
