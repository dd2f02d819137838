from django.urls import path

from tradepost.workspace import views

app_name = "workspace"

urlpatterns = [
    path("", views.home, name="home"),
    path("saved-filters/<slug:list_key>/", views.saved_filter_save, name="saved_filter_save"),
    path(
        "saved-filters/<int:filter_id>/delete/",
        views.saved_filter_delete,
        name="saved_filter_delete",
    ),
    path("activity/<slug:target_type>/<int:target_id>/notes/", views.note_add, name="note_add"),
    path(
        "activity/attachments/<int:attachment_id>/",
        views.note_attachment,
        name="note_attachment",
    ),
]
