"""The tenants app's pages on a workspace's domain: the owner's e-mail confirmation
(tenants.verification). Mounted under /accounts/verify/ by tradepost.urls_tenant."""

from django.urls import path

from tenants import views

app_name = "verification"

urlpatterns = [
    path("resend/", views.verify_email_resend, name="resend"),
    path("<str:token>/", views.verify_email, name="confirm"),
]
