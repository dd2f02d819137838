"""Import and export pages, included by the workspace's URLs at `data/`."""

from django.urls import path

from tradepost.dataio import views

app_name = "dataio"

urlpatterns = [
    path("<slug:resource>/import/", views.import_page, name="import"),
    path("<slug:resource>/import/jobs/<str:job_id>/", views.import_job, name="import_job"),
    path("<slug:resource>/export/", views.export, name="export"),
]
