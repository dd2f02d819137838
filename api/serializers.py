"""Serializer conventions: unknown fields on writes are an error, not ignored."""

from __future__ import annotations

import copy

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


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


_BUILT_FIELDS: dict[type, dict[str, serializers.Field]] = {}


class ReadSerializer(serializers.ModelSerializer):
    """Every field read-only, yet described as the model allows it (a blank e-mail, no
    grade yet), so the schema matches what the API sends.

    Rows are written out as DRF's `Serializer.to_representation` writes them, with what
    DRF works out again for every field of every row worked out once per serializer:
    which fields are read, and for a field that shows a column of the row (a value, or
    the id of a foreign key) that it is read straight off the row. A list of 50 rows
    spends about half the time in it. The fields themselves are built from the model
    once per class (`get_fields`)."""

    def get_fields(self):
        # What ModelSerializer builds from the model is the same for every instance of
        # the class (nothing here builds fields from the context): built once per class,
        # then copied as DRF copies declared fields (a copy is a third of the build).
        built = _BUILT_FIELDS.get(type(self))
        if built is None:
            built = _BUILT_FIELDS[type(self)] = super().get_fields()
        fields = copy.deepcopy(built)
        for field in fields.values():
            field.read_only = True
            field.required = False
        return fields

    def to_representation(self, instance):
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_row_plan")
        if plan is None:
            plan = self._row_plan = self._plan_rows()
        row = {}
        for name, column, field in plan:
            if column is None:  # anything else: DRF's own steps
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                if isinstance(attribute, PKOnlyObject):
                    row[name] = None if attribute.pk is None else field.to_representation(attribute)
                else:
                    row[name] = None if attribute is None else field.to_representation(attribute)
            elif field is None:  # a foreign key shown as its id
                row[name] = getattr(instance, column)
            else:
                value = getattr(instance, column)
                row[name] = None if value is None else field.to_representation(value)
        return row

    def _plan_rows(self) -> list[tuple[str, str | None, serializers.Field | None]]:
        """Per readable field: (name, the row's attribute it shows or None, the field —
        None for a foreign key's id, which needs no conversion)."""
        opts = self.Meta.model._meta  # type: ignore[attr-defined]  # a model class
        plan: list[tuple[str, str | None, serializers.Field | None]] = []
        for field in self._readable_fields:
            name = str(field.field_name)
            column = None
            model_field = None
            if len(field.source_attrs) == 1:
                try:
                    model_field = opts.get_field(field.source_attrs[0])
                except FieldDoesNotExist:
                    model_field = None
            if model_field is not None and model_field.concrete:
                own = type(field)
                plain = own.get_attribute is serializers.Field.get_attribute
                if not model_field.is_relation and plain:
                    column = model_field.attname
                elif (
                    model_field.many_to_one
                    and isinstance(field, relations.PrimaryKeyRelatedField)
                    and own.get_attribute is relations.RelatedField.get_attribute
                    and own.to_representation is relations.PrimaryKeyRelatedField.to_representation
                    and field.pk_field is None
                    and field.use_pk_only_optimization()
                ):
                    plan.append((name, model_field.attname, None))
                    continue
            plan.append((name, column, field))
        return plan
