from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register(
    r"profiles/(?P<profile_pk>\d+)/sync", views.ProfileSyncViewSet, basename="profile-sync"
)
router.register("reconciliation", views.MismatchViewSet, basename="mismatch")

urlpatterns: list = [*router.urls]
