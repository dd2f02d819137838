"""The audit log's FilterSet, used by `/api/v1/audit-entries/` and the audit-log page:
who (`actor`), what (`action`, one of the registered actions), when (`date_from`,
`date_to`, days in the workspace's time zone) and on which object (`target_type`, a
model label such as `sales.order`, and `target_id`)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tradepost.accounts.models import User
from tradepost.audit import selectors as audit_selectors
from tradepost.audit.actions import AUDIT_ACTIONS


class _PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name()


class _PersonFilter(django_filters.ModelChoiceFilter):
    field_class = _PersonChoiceField


def _action_choices() -> list[tuple[str, str]]:
    return sorted(
        ((action, str(label)) for action, label in AUDIT_ACTIONS.items()), key=lambda c: c[1]
    )


def _target_type_choices() -> list[tuple[str, str]]:
    return audit_selectors.audit_target_types()


_DATE = forms.DateInput(attrs={"type": "date"})


class AuditEntryFilter(django_filters.FilterSet):
    actor = _PersonFilter(
        # Everyone who ever signed in here, the departed too: their entries stay.
        queryset=User.objects.order_by("full_name", "email", "pk"),
        label=pgettext_lazy("audit log", "Who"),
        empty_label=_("Anyone"),
        help_text="Entries recorded by this user.",
    )
    action = django_filters.ChoiceFilter(
        choices=_action_choices,
        label=pgettext_lazy("audit log", "What"),
        empty_label=_("Any action"),
        help_text="One of the registered audit actions, e.g. `user.role_changed`.",
    )
    date_from = django_filters.DateFilter(
        field_name="created_at__date",
        lookup_expr="gte",
        label=pgettext_lazy("audit log", "From"),
        widget=_DATE,
        help_text="Recorded on or after this day.",
    )
    date_to = django_filters.DateFilter(
        field_name="created_at__date",
        lookup_expr="lte",
        label=pgettext_lazy("audit log", "To"),
        widget=_DATE,
        help_text="Recorded on or before this day.",
    )
    target_type = django_filters.ChoiceFilter(
        choices=_target_type_choices,
        label=_("Kind of object"),
        empty_label=_("Any kind"),
        help_text="The object's model, as `app_label.model` (e.g. `sales.order`).",
    )
    target_id = django_filters.CharFilter(
        max_length=64,
        label=_("Object id"),
        help_text="The object's id (with `target_type`).",
    )

    class Meta:
        model = audit_selectors.AuditEntry
        fields = ["actor", "action", "date_from", "date_to", "target_type", "target_id"]
