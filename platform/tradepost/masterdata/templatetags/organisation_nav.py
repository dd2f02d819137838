from django import template

from tradepost.masterdata.navigation import organisation_entries_for

register = template.Library()


@register.inclusion_tag("masterdata/organisation/_subnav.html", takes_context=True)
def organisation_subnav(context):
    request = context["request"]
    return {"entries": organisation_entries_for(request.user), "path": request.path}
