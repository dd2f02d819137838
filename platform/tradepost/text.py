"""Text that people type is refused when it carries invisible control characters.

A name with a CR/LF in it ends up in e-mail headers (header injection, or a mail that
cannot be sent at all), a NUL breaks PostgreSQL text, and Unicode bidi overrides make a
name read differently from what it is ("Trojan Source" spoofing). One rule, in one
place, for every form and every API field:

* single-line text (names, codes, subjects — a model CharField, a form field with a
  plain input, a serializer CharField) refuses every C0 and C1 control character,
  DEL, and the bidi embedding/override/isolate characters;
* multi-line text (a model TextField, a form field with a Textarea widget, a
  serializer field with the textarea style) accepts TAB, LF and CR and refuses the rest.

`install_field_hooks()` (called from `TradepostConfig.ready`) appends the matching
validator to every `django.forms.CharField` and DRF `CharField` (subclasses such as
e-mail, slug and URL fields included) when it is built, so forms and serializers get
the rule without listing it. Model fields are left alone on purpose: validators on
model fields end up in migrations. Services that take raw strings from elsewhere call
`validate_single_line` / `validate_multi_line` themselves.

Password fields are exempt: a password is never shown and must keep working as typed.

`header_safe()` is the other half, for values that are already stored: it turns any
run of control characters into one space before the value goes into an e-mail header.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL and C1 controls; NUL is \x00.
_CONTROL = "\x00-\x1f\x7f-\x9f"
# LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI.
_BIDI = "\u202a-\u202e\u2066-\u2069"
# Line and paragraph separators break a "line" just as CR/LF do.
_LINE_SEPARATORS = "\u2028\u2029"

_FORBIDDEN_SINGLE_LINE = re.compile(f"[{_CONTROL}{_BIDI}{_LINE_SEPARATORS}]")
_FORBIDDEN_MULTI_LINE = re.compile(f"[{_BIDI}]|(?![\t\n\r])[{_CONTROL}]")
_HEADER_UNSAFE = re.compile(f"[{_CONTROL}{_BIDI}{_LINE_SEPARATORS}]+")

# Lazy (shown in the reader's language), and used wherever a str message goes.
SINGLE_LINE_MESSAGE: str = _(  # type: ignore[assignment]
    "Remove the line breaks and invisible control characters from this field; "
    "it takes one line of plain text."
)
# `style=MULTI_LINE` makes a declared serializer CharField multi-line (a model
# TextField's field gets this style from ModelSerializer already).
MULTI_LINE = {"base_template": "textarea.html"}

MULTI_LINE_MESSAGE = _(
    "Remove the invisible control characters (such as NUL or text-direction "
    "overrides) from this field."
)


def has_forbidden_characters(value: str, *, multi_line: bool = False) -> bool:
    pattern = _FORBIDDEN_MULTI_LINE if multi_line else _FORBIDDEN_SINGLE_LINE
    return pattern.search(value) is not None


def validate_single_line(value: Any) -> None:
    """Refuse control characters (CR/LF included) and bidi overrides. Non-text passes."""
    if isinstance(value, str) and has_forbidden_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def validate_multi_line(value: Any) -> None:
    """Like `validate_single_line`, but TAB, LF and CR are fine."""
    if isinstance(value, str) and has_forbidden_characters(value, multi_line=True):
        raise ValidationError(MULTI_LINE_MESSAGE, code="control_characters")


def header_safe(value: Any) -> str:
    """`value` as text fit for an e-mail header: control runs become one space."""
    return _HEADER_UNSAFE.sub(" ", str(value)).strip()


class _SerializerTextValidator:
    """DRF validator deciding single or multi-line from the field it runs for."""

    requires_context = True

    def __call__(self, value: Any, field: Any) -> None:
        if "password" in (getattr(field, "field_name", "") or ""):
            return
        style = getattr(field, "style", None) or {}
        if style.get("base_template") == MULTI_LINE["base_template"]:
            validate_multi_line(value)
        else:
            validate_single_line(value)


serializer_text_validator = _SerializerTextValidator()


def _form_field_rule(field: Any):
    from django import forms

    if isinstance(field.widget, forms.PasswordInput):
        return None
    if isinstance(field.widget, forms.Textarea):
        return validate_multi_line
    return validate_single_line


def install_field_hooks() -> None:
    """Give every form and serializer text field the rule above (idempotent).

    Forms: `CharField.run_validators` also runs the rule, so fields declared before
    this ran (at import time) are covered too. Serializers: DRF builds every field
    anew for each serializer instance (declared fields are copied by calling
    `__init__` again), so appending the validator in `__init__` reaches them all.
    """
    from django import forms
    from rest_framework import fields as drf_fields

    if getattr(forms.CharField, "_tradepost_text_rule", False):
        return

    run_validators = forms.CharField.run_validators

    def form_run_validators(self, value):
        errors = []
        try:
            run_validators(self, value)
        except ValidationError as exc:
            errors.extend(exc.error_list)
        rule = _form_field_rule(self)
        if rule is not None and value not in self.empty_values:
            try:
                rule(value)
            except ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise ValidationError(errors)

    # Patched once at start-up, so every form and serializer keeps the text rule.
    forms.CharField.run_validators = form_run_validators  # type: ignore[method-assign]
    forms.CharField._tradepost_text_rule = True  # type: ignore[attr-defined]

    drf_init = drf_fields.CharField.__init__

    def drf_char_field_init(self, *args, **kwargs):
        drf_init(self, *args, **kwargs)
        if (self.style or {}).get("input_type") == "password":
            return
        if serializer_text_validator not in self.validators:
            self.validators.append(serializer_text_validator)

    drf_fields.CharField.__init__ = drf_char_field_init  # type: ignore[method-assign]
