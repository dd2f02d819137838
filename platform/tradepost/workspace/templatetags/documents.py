"""`{% status_stepper document %}`: the document's life as a row of steps (done, current,
to come), read from its lifecycle declaration's `path` (tradepost.lifecycle)."""

from __future__ import annotations

from django import template

from tradepost.lifecycle import declared_for

register = template.Library()


@register.inclusion_tag("includes/status_stepper.html")
def status_stepper(document) -> dict:
    lifecycle = declared_for(document)
    return {
        "steps": lifecycle.stepper(document) if lifecycle is not None and lifecycle.path else []
    }
