"""The audit log page, at `/settings/audit/` (with the workspace's other settings)."""

from django.urls import path

from tradepost.accounts import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_log, name="log"),
]
