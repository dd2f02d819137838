from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tradepost.audit.actions import audit_action_label, target_type_label


class AuditEntry(models.Model):
    """One recorded action. Rows are only ever added, never edited."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Kept as text too, so the entry still reads right after the user is gone.
    actor_label = models.CharField(_("who"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("what"), max_length=254, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_label}"

    @property
    def action_label(self) -> str:
        """What happened, in words, in the active language (`tradepost.audit.actions`)."""
        return audit_action_label(self.action)

    @property
    def target_type_label(self) -> str:
        """The kind of object, in the active language (`actions.target_type_label`)."""
        return target_type_label(self.target_type)
