"""Form helpers shared by the browser views of every module: the decimal fields with
the precision of `tradepost.amounts`, and the adapter that puts a service's
ValidationError on a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tradepost.amounts import MONEY, PERCENT, QUANTITY, decimal_kwargs
from tradepost.workspace.models import NOTE_MAX_LENGTH


class MoneyField(forms.DecimalField):
    """An amount: 14 digits, 2 places, not negative unless `min_value=None`."""

    def __init__(self, **kwargs):
        super().__init__(**decimal_kwargs(MONEY, kwargs, bounds={"min_value": 0}))


class QuantityField(forms.DecimalField):
    """A quantity: 12 digits, 3 places, not negative unless `min_value=None`."""

    def __init__(self, **kwargs):
        super().__init__(**decimal_kwargs(QUANTITY, kwargs, bounds={"min_value": 0}))


class PercentField(forms.DecimalField):
    """A percentage from 0 to 100 with 2 places."""

    def __init__(self, **kwargs):
        super().__init__(
            **decimal_kwargs(PERCENT, kwargs, bounds={"min_value": 0, "max_value": 100})
        )


class TypeaheadSelect(forms.Select):
    """A customer or product <select> that `tradepost/typeahead.js` turns into a
    type-ahead box (an ARIA combobox) asking `/search/pick/<picker>/?q=` for the records
    the words find. The select stays in the form and posts the chosen id; without
    JavaScript it is the plain list. Use it only where the field's queryset holds at
    least what the picker answers (`tradepost.search.pickers`)."""

    def __init__(self, picker: str, attrs: dict[str, Any] | None = None, choices=()):
        super().__init__(attrs, choices)
        self.picker = picker

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-typeahead": reverse("search:pick", args=[self.picker]),
                "data-typeahead-placeholder": gettext_lazy("Type a name, code or pinyin"),
                "data-typeahead-empty": gettext_lazy("Nothing found"),
                "data-typeahead-more": gettext_lazy("More found: type more to narrow down"),
                "data-typeahead-failed": gettext_lazy("The search failed; try again."),
            }
        )
        return context


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names when
    the form has that field, at the top of the form otherwise."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ServiceCall:
    """The outcome of `service_call`: truthy when the service went through, with what
    it returned in `result` (None when it did not go through)."""

    __slots__ = ("ok", "result")

    def __init__(self, ok: bool, result: Any = None) -> None:
        self.ok = ok
        self.result = result

    def __bool__(self) -> bool:
        return self.ok


def service_call(
    form: forms.Form,
    call: Callable[[], Any],
    *,
    formset: forms.BaseFormSet | None = None,
    formset_errors: str = "lines",
) -> ServiceCall:
    """Run `call()` (a service) for a page. A ValidationError it raises lands on `form`
    (see `add_service_errors`) instead of propagating; with a `formset`, the errors the
    service gives under `formset_errors` ("lines", "tiers") go above its rows.

        done = service_call(form, lambda: services.thing_create(actor=user, **data))
        if done:
            return redirect("things:detail", thing_id=done.result.pk)

    The API needs no adapter: `api.errors.exception_handler` answers the same
    ValidationError as a 400 with the same messages under the same field names."""
    try:
        return ServiceCall(True, call())
    except ValidationError as exc:
        if formset is not None and hasattr(exc, "error_dict") and formset_errors in exc.error_dict:
            rows = exc.error_dict.pop(formset_errors)
            formset._non_form_errors = formset.error_class(  # type: ignore[attr-defined]
                [message for error in rows for message in error.messages]
            )
        if not hasattr(exc, "error_dict") or exc.error_dict:
            add_service_errors(form, exc)
        return ServiceCall(False)


class SavedFilterForm(forms.Form):
    """Name the filter a list shows (`query`, the list's query string) to keep it."""

    name = forms.CharField(label=gettext_lazy("Name this filter"), max_length=80)
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=2000)


class NoteForm(forms.Form):
    """A note on a record's activity feed (its files come as `files`, checked by the
    service)."""

    body = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Mention someone with @ and their e-mail or full name."),
    )
