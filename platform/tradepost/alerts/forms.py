"""The forms of the alert pages: acknowledge and resolve an alert, edit a rule. The
service checks everything again (bounds per kind, who may act)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tradepost.accounts.roles import Role
from tradepost.alerts.kinds import CHECK_EVERY_HOURS_MAX, DEADLINE_HOURS_MAX, SPECS, Responsible
from tradepost.alerts.models import AlertRule
from tradepost.alerts.services import NOTE_MAX


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.email


def staff_choosable(keep: Any | None = None) -> Any:
    """Whom a rule may name responsible: active staff (no dealers); `keep` (the person
    named now) stays choosable so saving the form unchanged does not fail."""
    people = get_user_model().objects.filter(is_active=True).exclude(groups__name=Role.DEALER.value)
    if keep is not None:
        people = people | get_user_model().objects.filter(pk=keep.pk)
    return people.distinct().order_by("full_name", "email", "pk")


class RuleForm(forms.Form):
    enabled = forms.BooleanField(label=pgettext_lazy("alert rule", "On"), required=False)
    threshold = forms.DecimalField(label=_("Threshold"), max_digits=9, decimal_places=0)
    deadline_hours = forms.IntegerField(
        label=_("Hours to act"),
        min_value=1,
        max_value=DEADLINE_HOURS_MAX,
        help_text=_("Unresolved after this, the alert goes one level up, and again after as long."),
    )
    responsible = forms.ChoiceField(label=_("Responsible"), choices=Responsible.choices)
    responsible_user = PersonChoiceField(
        queryset=None,
        required=False,
        label=_("Named person"),
        help_text=_("When “A named person” is responsible."),
    )
    check_every_hours = forms.IntegerField(
        label=_("Check every (hours)"), min_value=1, max_value=CHECK_EVERY_HOURS_MAX
    )

    def __init__(self, *args: Any, rule: AlertRule, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "enabled": rule.enabled,
                # Thresholds are whole numbers: shown without the stored cents.
                "threshold": None
                if rule.threshold is None
                else rule.threshold.quantize(Decimal(1)),
                "deadline_hours": rule.deadline_hours,
                "responsible": rule.responsible,
                "responsible_user": rule.responsible_user,
                "check_every_hours": rule.check_every_hours,
            },
        )
        super().__init__(*args, **kwargs)
        self.rule = rule
        spec = SPECS[rule.kind]
        fields: Any = self.fields
        fields["responsible_user"].queryset = staff_choosable(rule.responsible_user)
        if spec.threshold is None:
            del self.fields["threshold"]
        else:
            fields["threshold"].label = spec.threshold.label
            fields["threshold"].help_text = _("In %(unit)s, from %(min)s to %(max)s.") % {
                "unit": spec.threshold.unit,
                "min": spec.threshold.minimum,
                "max": spec.threshold.maximum,
            }
        if not spec.scheduled:
            del self.fields["check_every_hours"]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "enabled": data["enabled"],
            "threshold": data.get("threshold"),
            "deadline_hours": data["deadline_hours"],
            "responsible": data["responsible"],
            "responsible_user": data.get("responsible_user"),
            "check_every_hours": data.get("check_every_hours"),
        }
