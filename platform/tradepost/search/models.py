"""What global search reads: one row per searched record, the words it is found by.

A derived table, never edited by hand: `documents.py` writes it as records are saved,
deleted or imported, and the migrations fill it for rows that existed before. It
holds no more than names, codes and numbers — every search still goes through the
record's own scope selector, so a document never shows a record by itself.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    CONTACT = "contact", _("Contacts")
    ORDER = "order", _("Orders")
    QUOTE = "quote", _("Quotes")
    PRODUCT = "product", _("Products")
    OPPORTUNITY = "opportunity", _("Opportunities")


class SearchDocument(models.Model):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # Folded text and pinyin keys (`keys.search_key`); matched with LIKE '%word%',
    # through a pg_trgm GIN index where the server has pg_trgm (migration 0002).
    text = models.TextField()
    # One- and two-character words (`keys.short_grams`), matched by `@>` on a GIN index.
    grams = ArrayField(models.TextField(), default=list)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_record")
        ]
        indexes = [GinIndex(fields=["grams"], name="search_document_grams")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
