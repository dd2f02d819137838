"""Reading a record's activity feed: what happened to it (its audit entries, with
translated labels) and the notes people left on it, newest first, in a constant
number of queries whatever the feed's length."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Prefetch
from django.http import Http404
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tradepost.audit.actions import audit_action_label
from tradepost.audit.models import AuditEntry
from tradepost.principals import Actor
from tradepost.workspace.feed_targets import target_labelled, target_of
from tradepost.workspace.models import Note, NoteAttachment
from tradepost.workspace.services import MENTION, mention_key, name_key

FEED_LIMIT = 50


@dataclass(frozen=True)
class FeedEntry:
    """One line of a feed: an event (`kind` "event", `label` says what happened) or a
    note (`kind` "note", with its body, the people it mentions and its files)."""

    kind: str
    id: int
    created_at: datetime.datetime
    who: str
    label: str = ""
    action: str = ""
    comment: str = ""  # an event's comment or reason (an approval's, a cancellation's)
    body: str = ""
    body_html: SafeString = field(default_factory=lambda: mark_safe(""))  # noqa: S308 - empty
    mentions: list[Any] = field(default_factory=list)
    attachments: list[NoteAttachment] = field(default_factory=list)


def _event_comment(data: Any) -> str:
    """What the person said with the step: its comment, else its reason."""
    if not isinstance(data, dict):
        return ""
    for key in ("comment", "reason"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _person(user: Any, label: str) -> str:
    return str(user) if user is not None else label


def highlighted(body: str, mentions: list[Any]) -> SafeString:
    """`body`, escaped, with each `@mention` of a person it mentions marked."""
    keys = {
        key for person in mentions for key in (person.email.lower(), name_key(person.full_name))
    }
    keys.discard("")
    parts: list[str] = []
    position = 0
    for match in MENTION.finditer(body):
        token = match.group(1).rstrip(".-")
        if mention_key(token) not in keys:
            continue
        end = match.start(1) + len(token)
        parts.append(escape(body[position : match.start()]))
        parts.append(f'<mark class="mention">{escape(body[match.start() : end])}</mark>')
        position = end
    parts.append(escape(body[position:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every part escaped


def feed(target: Model, *, limit: int = FEED_LIMIT, offset: int = 0) -> list[FeedEntry]:
    """`target`'s events and notes merged, newest first: `limit` entries after the
    newest `offset`. The caller has fetched `target` through its visibility selector.
    Four queries: events, notes, their mentions, their attachments."""
    kind = target_of(target)
    wanted = offset + limit
    events = (
        AuditEntry.objects.filter(target_type=kind.label, target_id=str(target.pk))
        .select_related("actor")
        .order_by("-created_at", "-pk")[:wanted]
    )
    notes = (
        Note.objects.filter(target_type=kind.label, target_id=str(target.pk))
        .select_related("author")
        .prefetch_related(
            "mentions", Prefetch("attachments", queryset=NoteAttachment.objects.order_by("pk"))
        )
        .order_by("-created_at", "-pk")[:wanted]
    )
    entries = [
        FeedEntry(
            kind="event",
            id=entry.pk,
            created_at=entry.created_at,
            who=_person(entry.actor, entry.actor_label),
            label=audit_action_label(entry.action),
            action=entry.action,
            comment=_event_comment(entry.data),
        )
        for entry in events
    ]
    for note in notes:
        mentions = list(note.mentions.all())
        entries.append(
            FeedEntry(
                kind="note",
                id=note.pk,
                created_at=note.created_at,
                who=_person(note.author, note.author_label),
                body=note.body,
                body_html=highlighted(note.body, mentions),
                mentions=mentions,
                attachments=list(note.attachments.all()),
            )
        )
    entries.sort(key=lambda entry: (entry.created_at, entry.kind == "note", entry.id), reverse=True)
    return entries[offset:wanted]


def feed_count(target: Model) -> int:
    """How many entries `target`'s feed has in all (two queries)."""
    kind = target_of(target)
    where = {"target_type": kind.label, "target_id": str(target.pk)}
    return AuditEntry.objects.filter(**where).count() + Note.objects.filter(**where).count()


def attachment_get(actor: Actor, attachment_id: int) -> NoteAttachment:
    """An attachment whose note's record `actor` sees, else Http404 (the same for a
    missing one)."""
    attachment = NoteAttachment.objects.select_related("note").filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    note = attachment.note
    kind = target_labelled(note.target_type)
    if kind is None or not kind.sees(actor, note.target_id):
        raise Http404
    return attachment
