from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tradepost.events.types import EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES


def _event_choices() -> list[tuple[str, str]]:
    return [
        (code, format_lazy("{} ({})", EVENT_TYPES[code], code))  # type: ignore[misc]  # lazy text
        for code in SUBSCRIBABLE_EVENT_TYPES
    ]


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("URL"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Each event is POSTed here as JSON, signed with the endpoint's secret."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple
    )
