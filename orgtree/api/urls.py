from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")

urlpatterns = [
    path("places/resolve/", views.PlaceResolveView.as_view(), name="place-resolve"),
    *router.urls,
]
