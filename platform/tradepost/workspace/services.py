"""Writing to a record's activity feed: notes, their @mentions and attachments.

A note is left on a record the author sees (`feed_targets`: the record's own
visibility rule and page permission, checked again here whoever the caller is). Its
`@mentions` (`@` and an e-mail address, or `@` and a person's full name written without
spaces) name people of the workspace; only those who may see the record too are
mentioned — anyone else stays plain text, so a note cannot tell a record's existence to
someone outside its scope. Each person mentioned gets an e-mail after commit.

Attachments: at most MAX_ATTACHMENTS of MAX_ATTACHMENT_BYTES each (the request itself
is capped before and while it is read by `tradepost.uploads`), and only the kinds
ATTACHMENT_KINDS recognises by the file's first bytes: PDF, PNG, JPEG, WebP, GIF, and
plain text or CSV (UTF-8, no NUL bytes, no markup). Nothing a browser would run
(HTML, SVG, scripts, executables) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Q, Value
from django.db.models.functions import Lower, Replace
from django.http import Http404
from django.utils.translation import gettext as _

from billing.access import ensure_writable
from tradepost.audit.services import audit_record
from tradepost.background import enqueue_on_commit
from tradepost.principals import Actor
from tradepost.workspace.feed_targets import NOT_FOUND_MESSAGE, FeedTarget, target_of
from tradepost.workspace.models import NOTE_MAX_LENGTH, Note, NoteAttachment

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_MENTIONS = 10
# `@` then an e-mail address or a name written without spaces (letters of any script,
# digits, `.`, `_`, `-`); a trailing full stop ends the sentence, not the name.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+@[\w-]+(?:\.[\w-]+)+|[\w.-]+)")
# What a kept file is, by its first bytes: (start, media type).
BINARY_KINDS = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
TEXT_SNIFF_BYTES = 64 * 1024
# Markup a browser could run were the file ever shown as a page.
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml)", re.I)


def mention_tokens(body: str) -> list[str]:
    """The `@` names of `body` (without the `@`), each once, in order."""
    tokens: list[str] = []
    for match in MENTION.finditer(body):
        token = match.group(1).rstrip(".-")
        if token and token.lower() not in (seen.lower() for seen in tokens):
            tokens.append(token)
    return tokens


def mention_key(token: str) -> str:
    return token.strip().lower()


def name_key(full_name: str) -> str:
    """A person's full name as a mention writes it: no spaces, any case."""
    return "".join(full_name.split()).lower()


def mentioned_users(*, actor: Actor, target: FeedTarget, record: Model, body: str) -> list[Any]:
    """The active people `body` mentions who may see `record` (not the author: one
    does not notify oneself). A name two people share mentions nobody."""
    tokens = [mention_key(token) for token in mention_tokens(body)][:MAX_MENTIONS]
    if not tokens:
        return []
    User = get_user_model()
    candidates = (
        User.objects.filter(is_active=True)
        .annotate(name_key=Lower(Replace("full_name", Value(" "), Value(""))))
        .filter(Q(email__in=tokens) | Q(name_key__in=tokens))
        .exclude(pk__in=[getattr(actor, "pk", None) or 0])
        .order_by("pk")
    )
    by_token: dict[str, list[Any]] = {}
    for user in candidates:
        for key in {user.email.lower(), name_key(user.full_name)}:
            if key in tokens:
                by_token.setdefault(key, []).append(user)
    people: dict[int, Any] = {}
    for key in tokens:
        found = by_token.get(key, [])
        if len(found) == 1 and target.sees(found[0], record.pk):
            people[found[0].pk] = found[0]
    return list(people.values())


def attachment_kind(upload: UploadedFile[Any]) -> str:
    """The media type of `upload` by its first bytes, or a ValidationError naming the
    file when it is too large or of a kind that is not kept."""
    name = upload.name or "file"
    if upload.size is None or upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            {
                "files": [
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": name, "mb": MAX_ATTACHMENT_BYTES // 2**20}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(TEXT_SNIFF_BYTES)
    upload.seek(0)
    for start, kind in BINARY_KINDS:
        if head.startswith(start):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head and _is_plain_text(head):
        return "text/csv" if name.lower().endswith(".csv") else "text/plain"
    raise ValidationError(
        {
            "files": [
                _(
                    "%(name)s cannot be attached: attach a PDF, an image (PNG, JPEG, WebP, "
                    "GIF) or a plain text or CSV file."
                )
                % {"name": name}
            ]
        }
    )


def _is_plain_text(head: bytes) -> bool:
    """UTF-8 text with no NUL byte and no markup (the sniffed start may cut the last
    character in two: that is still text)."""
    if b"\x00" in head or MARKUP.search(head):
        return False
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if text.lstrip().startswith(b"<"):
        return False
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(head) == TEXT_SNIFF_BYTES and exc.start >= len(text) - 3
    return True


def _checked_files(files: Sequence[Any]) -> list[tuple[UploadedFile[Any], str]]:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"files": [_("Attach at most %(count)d files to a note.") % {"count": MAX_ATTACHMENTS}]}
        )
    checked: list[tuple[UploadedFile[Any], str]] = []
    for upload in files:
        if not isinstance(upload, UploadedFile):
            raise ValidationError({"files": [_("Send each attachment as a file.")]})
        checked.append((upload, attachment_kind(upload)))
    return checked


def _checked_body(body: Any) -> str:
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationError({"body": [_("Write the note.")]})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "body": [
                    _("A note may be at most %(count)d characters long.")
                    % {"count": NOTE_MAX_LENGTH}
                ]
            }
        )
    return text


@transaction.atomic
def note_add(*, actor: Actor, target: Model, body: str, files: Sequence[Any] = ()) -> Note:
    """Leave a note on `target` (a record with a feed, fetched through its visibility
    selector; its visibility is checked again here: a record the actor does not see is
    a 404, as if it did not exist). Refuses an empty or too long body and files past
    the limits with a ValidationError, writing nothing. Mentioned people who see the
    record are e-mailed after commit."""
    ensure_writable()
    kind = target_of(target)
    if not kind.sees(actor, target.pk):
        raise Http404(_(NOT_FOUND_MESSAGE))
    text = _checked_body(body)
    uploads = _checked_files(files)
    people = mentioned_users(actor=actor, target=kind, record=target, body=text)
    # Only a user has a pk; an API key's note has no author row, only its label.
    author: Any = actor if getattr(actor, "pk", None) else None
    note = Note.objects.create(
        target_type=kind.label,
        target_id=str(target.pk),
        author=author,
        author_label=str(getattr(actor, "email", "") or actor or "")[:254],
        body=text,
    )
    if people:
        note.mentions.set(people)
    for upload, content_type in uploads:
        attachment = NoteAttachment(
            note=note,
            original_name=(upload.name or "file")[-200:],
            size=upload.size or 0,
            content_type=content_type,
        )
        attachment.file.save(attachment.original_name, upload, save=False)
        attachment.save()
    audit_record(
        actor=actor,
        action="note.added",
        target=note,
        data={
            "target_type": kind.label,
            "target_id": str(target.pk),
            "mentions": [person.pk for person in people],
            "attachments": len(uploads),
        },
    )
    page = kind.page_url(target)
    for person in people:
        enqueue_on_commit("tradepost.workspace.tasks.note_mention_mail", note.pk, person.pk, page)
    return note
