from django.urls import path

from tradepost.search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
    path("pick/<slug:kind>/", views.pick, name="pick"),
]
