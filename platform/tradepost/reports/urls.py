"""The report pages, mounted at `/reports/` under the namespace `reports`."""

from tradepost.reports import views

app_name = "reports"

urlpatterns = views.urlpatterns
