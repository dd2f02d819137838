"""What the workspace pages keep for their users: saved filters of the list pages, and
the notes (with their attachments) of the records' activity feeds."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class SavedFilter(models.Model):
    """A named query of one list page (`list`, a key of `saved_filters.LISTS`) of one
    user: "My Shanghai dealers" on the customers, "Waiting for me" on the orders."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    list = models.CharField(_("list"), max_length=40, default="customers")
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        # The customer list had saved filters first; the table kept its name.
        db_table = "customers_savedfilter"
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "user", "list", Lower("name"), name="savedfilter_unique_name_per_user_list"
            )
        ]

    def __str__(self) -> str:
        return self.name


NOTE_MAX_LENGTH = 4000


class Note(models.Model):
    """A note someone left on a record's activity feed (a customer, an order, a quote,
    an opportunity), pointing at it as audit entries do: `target_type` is the model's
    `label_lower`, `target_id` its primary key as text."""

    target_type = models.CharField(max_length=80)
    target_id = models.CharField(max_length=64)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Kept as text too, so the note still reads right after the user is gone.
    author_label = models.CharField(_("who"), max_length=254, blank=True)
    body = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-created_at"], name="note_target_idx")
        ]

    def __str__(self) -> str:
        return self.body[:60]


def note_attachment_path(instance: NoteAttachment, filename: str) -> str:
    """An unguessable name under the workspace's media (the tenant storage adds the
    schema), with the suffix of the type found by the file's first bytes; the file is
    served only through the attachment view, never linked directly."""
    return f"notes/{uuid.uuid4().hex}.{instance.suffix}"


class NoteAttachment(models.Model):
    """A file on a note: checked by its size and first bytes when it was added."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=note_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("type"), max_length=80)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def suffix(self) -> str:
        return ATTACHMENT_SUFFIXES.get(self.content_type, "bin")


# The stored file's suffix, by the type its first bytes showed.
ATTACHMENT_SUFFIXES = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "text/plain": "txt",
    "text/csv": "csv",
}
