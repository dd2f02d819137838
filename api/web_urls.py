from django.urls import path

from api import web

app_name = "api-web"

urlpatterns = [
    path("api-keys/", web.api_key_list, name="keys"),
    path("api-keys/<int:key_id>/revoke/", web.api_key_revoke, name="key_revoke"),
]
