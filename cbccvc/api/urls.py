"""The REST API under ``/api/v1/``: each app's ``api/urls.py``, the schema, the root page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from .views import ApiRootView

app_name = "api"

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include("orgtree.api.urls")),
    path("", include("profiles.api.urls")),
    path("", include("transfer.api.urls")),
    path("", include("syncing.api.urls")),
]
