"""`{% activity_feed record %}`: a record's activity feed (events and notes) with the
note form, for the record's page. The page has fetched `record` through its own
visibility selector; the feed is shown only to who may see it (`feed_targets`) and
reads in a constant number of queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.urls import reverse

from tradepost.workspace import selectors, services
from tradepost.workspace.feed_targets import target_of
from tradepost.workspace.models import NOTE_MAX_LENGTH

register = template.Library()


@register.inclusion_tag("workspace/_feed.html", takes_context=True)
def activity_feed(context: template.Context, record: Model) -> dict[str, Any]:
    target = target_of(record)
    user = context.get("user")
    if user is None or not target.sees(user, record.pk):
        return {"hidden": True}  # not for this reader (a dealer on its own record)
    return {
        "csrf_token": context.get("csrf_token"),
        "entries": selectors.feed(record),
        "target_name": target.name,
        "post_url": reverse("workspace:note_add", args=[target.name, record.pk]),
        "max_length": NOTE_MAX_LENGTH,
        "max_files": services.MAX_ATTACHMENTS,
        "max_mb": services.MAX_ATTACHMENT_BYTES // 2**20,
    }
