"""The delivery toolkit's shared pieces: a browser form and the API take money,
quantities and percentages alike (one precision, one bound), and a service's
ValidationError lands on the form field it names, on the form, or above a formset's
rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework.exceptions import ValidationError as ApiValidationError

from api import fields as api_fields
from tradepost.workspace import forms as page_forms


@pytest.mark.parametrize(
    ("name", "accepted", "refused"),
    [
        ("MoneyField", "12.50", ["-1", "1.005", "1" + "0" * 12]),
        ("QuantityField", "1.125", ["-0.5", "0.0001", "1" + "0" * 9]),
        ("PercentField", "99.99", ["-1", "100.01", "1.001"]),
    ],
)
def test_a_page_and_the_api_accept_and_refuse_the_same_amounts(name, accepted, refused):
    page_field = getattr(page_forms, name)()
    api_field = getattr(api_fields, name)()

    assert page_field.clean(accepted) == api_field.run_validation(accepted) == Decimal(accepted)
    for value in refused:
        with pytest.raises(ValidationError):
            page_field.clean(value)
        with pytest.raises(ApiValidationError):
            api_field.run_validation(value)


def test_the_api_sends_amounts_as_strings():
    assert api_fields.MoneyField().to_representation(Decimal("5")) == "5.00"


class _Form(forms.Form):
    name = forms.CharField()


class _RowForm(forms.Form):
    quantity = forms.IntegerField()


def _refuse(errors):
    def call():
        raise ValidationError(errors)

    return call


def test_service_errors_go_to_their_field_the_form_or_above_the_rows():
    form = _Form({"name": "x"})
    rows = forms.formset_factory(_RowForm)({"form-TOTAL_FORMS": "0", "form-INITIAL_FORMS": "0"})
    assert form.is_valid() and rows.is_valid()

    done = page_forms.service_call(
        form,
        _refuse({"name": ["Taken."], "owner": ["Not yours."], "lines": ["Add a line."]}),
        formset=rows,
    )

    assert not done and done.result is None
    assert form.errors == {"name": ["Taken."], "__all__": ["Not yours."]}
    assert rows.non_form_errors() == ["Add a line."]


def test_a_service_that_goes_through_gives_its_result():
    form = _Form({"name": "x"})
    form.is_valid()

    done = page_forms.service_call(form, lambda: "written")

    assert done and done.result == "written" and not form.errors
