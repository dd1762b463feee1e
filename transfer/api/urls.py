from rest_framework.routers import SimpleRouter

from . import imports

router = SimpleRouter()
router.register("imports", imports.ImportJobViewSet, basename="import")

urlpatterns: list = [*router.urls]
