"""Serializer conventions: unknown fields on writes are an error, not ignored."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictFieldsMixin:
    """Refuse input keys that are not writable fields of the serializer."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class StringField(serializers.CharField):
    """A string, and only a string: `0` for a name is a type error (as the schema
    says), not the text "0"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """Model serializer for writes: unknown fields refused, text fields take strings only."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StringField,
        models.TextField: StringField,
        models.SlugField: StringField,
    }


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx response."""

    code = serializers.CharField(
        help_text="Machine-readable error code, e.g. `invalid`, `not_found`."
    )
    message = serializers.CharField(help_text="What went wrong, for a person.")
    # a field named like a DRF attribute
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Per-field messages (validation errors only), plain text; "
        "`non_field_errors` for the whole body. Nested input is named by its path: "
        "`lines[0].quantity`, `address.city`, or `lines[0]` for a line as a whole.",
    )


class ReadSerializer(serializers.ModelSerializer):
    """Every field read-only, yet described as the model allows it (a blank e-mail, no
    grade yet), so the schema matches what the API sends."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
            field.required = False
        return fields
