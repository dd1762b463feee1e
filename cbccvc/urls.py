from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "CSDL cán bộ, công chức, viên chức"
admin.site.site_title = "cbccvc"
admin.site.index_title = "Quản trị hồ sơ CBCCVC"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cbccvc.api.urls")),
    path("api/sync/", include("syncing.urls")),
]

# Under /api/ an unknown path answers with RFC 9457 problem details, like every API error.
handler404 = "cbccvc.api.views.not_found"
