from django import template

from tradepost.accounts.roles import role_label

register = template.Library()


@register.filter
def role_labels(codes: list[str]) -> str:
    return ", ".join(role_label(code) for code in codes)
