from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("profiles", views.ProfileViewSet, basename="profile")
router.register(
    r"profiles/(?P<profile_pk>\d+)/versions", views.ProfileVersionViewSet, basename="version"
)
for name, viewset in views.CHILD_VIEWSETS.items():
    router.register(
        rf"profiles/(?P<profile_pk>\d+)/{name.replace('_', '-')}",
        viewset,
        basename=f"profile-{name.replace('_', '-')}",
    )
router.register("codelists", views.CodeListViewSet, basename="codelist")

urlpatterns: list = [*router.urls]
