from django.urls import path

from tradepost.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("bulk/", views.customer_bulk, name="bulk"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/inline/<slug:field>/", views.customer_inline, name="inline"),
    path("<int:customer_id>/credit/", views.credit_terms, name="credit_terms"),
    path("<int:customer_id>/ratings/", views.rating_add, name="rating_add"),
    path("<int:customer_id>/contacts/", views.contact_add, name="contact_add"),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/edit/",
        views.contact_edit,
        name="contact_edit",
    ),
    path(
        "<int:customer_id>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("<int:customer_id>/activities/", views.activity_add, name="activity_add"),
    path("<int:customer_id>/tickets/", views.ticket_add, name="ticket_add"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/<int:activity_id>/done/", views.activity_done, name="activity_done"),
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("dealer-reports/", views.dealer_report_list, name="dealer_reports"),
    path("price-lists/", views.price_list_list, name="price_lists"),
    path("price-lists/<int:price_list_id>/", views.price_list_detail, name="price_list"),
    path(
        "price-lists/<int:price_list_id>/products/<int:product_id>/remove/",
        views.price_list_remove,
        name="price_list_remove",
    ),
    path(
        "price-lists/<int:price_list_id>/delete/", views.price_list_delete, name="price_list_delete"
    ),
    path("groups/", views.group_list, name="groups"),
]
