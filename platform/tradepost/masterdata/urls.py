"""Master-data pages, included by the workspace's URLs at the root."""

from django.urls import path

from tradepost.masterdata import views

app_name = "masterdata"

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:product_id>/edit/", views.product_edit, name="product_edit"),
    # Before the trees' `organisation/<kind>/`: these two are not trees.
    path("organisation/staff/", views.staff_list, name="staff"),
    path("organisation/staff/<int:user_id>/edit/", views.staff_edit, name="staff_edit"),
    path("organisation/chart/", views.org_chart, name="org_chart"),
    path("organisation/<slug:kind>/", views.tree_list, name="tree"),
    path("organisation/<slug:kind>/<int:node_id>/edit/", views.tree_node_edit, name="tree_edit"),
    path("settings/company/", views.company, name="company"),
    path(
        "settings/company/bank-accounts/<int:account_id>/delete/",
        views.bank_account_delete,
        name="bank_account_delete",
    ),
    path(
        "settings/company/tax-rates/<int:tax_rate_id>/default/",
        views.tax_rate_default,
        name="tax_rate_default",
    ),
]
