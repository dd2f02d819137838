from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkspaceDue(models.Model):
    """When the workspace next has alerts work: the earliest of its scheduled rules'
    next runs and its open alerts' deadlines. One row per workspace that has any."""

    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("workspace")
    )
    due_at = models.DateTimeField(_("due"), db_index=True)

    class Meta:
        verbose_name = _("workspace due time")
        verbose_name_plural = _("workspace due times")

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.due_at:%Y-%m-%d %H:%M}"
