from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tradepost.alerts.kinds import Kind, Responsible


def _user(related_name: str, verbose_name, **extra) -> models.ForeignKey:
    # People are deactivated, not deleted; one deleted anyway leaves the history standing.
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **extra,
    )


class AlertRule(models.Model):
    """One kind of warning in this workspace: on or off, its threshold (meaning per
    kind, `kinds.SPECS`), how long the responsible person has to act, who that is and,
    for scheduled kinds, how often it is checked and when next."""

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, unique=True)
    enabled = models.BooleanField(_("on"), default=True)
    threshold = models.DecimalField(
        _("threshold"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    deadline_hours = models.PositiveIntegerField(_("hours to act"))
    responsible = models.CharField(_("responsible"), max_length=30, choices=Responsible.choices)
    responsible_user = _user("+", _("responsible person"))
    check_every_hours = models.PositiveIntegerField(_("check every (hours)"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next check"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["pk"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class Alert(models.Model):
    """A warning about one subject (an order, customer, invoice, stock balance or
    target), with the person who has to act on it by `deadline_at`."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Subject(models.TextChoices):
        ORDER = "order", _("Order")
        CUSTOMER = "customer", _("Customer")
        INVOICE = "invoice", _("Invoice")
        STOCK = "stock", _("Stock")
        TARGET = "target", _("Target")

    rule = models.ForeignKey(
        AlertRule, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("rule")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    subject_type = models.CharField(_("about"), max_length=20, choices=Subject.choices)
    subject_id = models.BigIntegerField(_("subject id"))
    subject_label = models.CharField(_("subject"), max_length=200)
    # The figures of the message (the discount, the days overdue …), rendered in the
    # reader's language by `selectors.alert_message`.
    data = models.JSONField(_("details"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN)
    responsible = _user("alerts_responsible", _("responsible"))
    assignee = _user("alerts_assigned", _("with"))
    level = models.PositiveSmallIntegerField(
        _("level"), default=0, help_text=_("0: the responsible person; each escalation adds one.")
    )
    deadline_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at", "-pk"]
        permissions = [("view_all_alerts", "Can see every alert of the workspace")]
        constraints = [
            # Deduplication: one unresolved alert per rule and subject.
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=~Q(state="resolved"),
                name="alerts_one_open_per_rule_subject",
            ),
        ]
        indexes = [
            # Escalation: unresolved alerts whose deadline has passed.
            models.Index(
                fields=["deadline_at"],
                condition=~Q(state="resolved"),
                name="alerts_unresolved_deadline",
            ),
            models.Index(fields=["assignee", "state"], name="alerts_assignee_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_label}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.RESOLVED


class AlertStep(models.Model):
    """One thing that happened to an alert: raised, escalated (to whom), acknowledged,
    resolved (with the note)."""

    class Action(models.TextChoices):
        RAISED = "raised", _("Raised")
        ESCALATED = "escalated", _("Escalated")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="steps", verbose_name=_("alert")
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = _user("+", _("by"))
    to_user = _user("+", _("to"))
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert step")
        verbose_name_plural = _("alert steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.action}"


class Notification(models.Model):
    """An entry of a person's notification centre (the bell): an alert raised for them
    or escalated to them. Unread until they open or mark it."""

    class Reason(models.TextChoices):
        RAISED = "raised", _("New alert")
        ESCALATED = "escalated", _("Escalated to you")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("person"),
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("alert")
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The bell: a person's unread count.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="alerts_notif_unread"
            ),
            models.Index(fields=["user", "-created_at"], name="alerts_notif_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.alert_id}"
