"""What the workspace pages keep for their users: saved filters of the list pages."""

from __future__ import annotations

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
