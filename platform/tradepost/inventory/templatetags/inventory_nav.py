from django import template

from tradepost.inventory.navigation import inventory_entries_for

register = template.Library()


@register.inclusion_tag("inventory/_subnav.html", takes_context=True)
def inventory_subnav(context):
    request = context["request"]
    return {"entries": inventory_entries_for(request.user), "path": request.path}
