from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from . import observability, security

admin.site.site_header = _("CSDL cán bộ, công chức, viên chức")
admin.site.site_title = "cbccvc"
admin.site.index_title = _("Quản trị hồ sơ CBCCVC")
# the login form asks for the TOTP code of accounts that have one (cbccvc/security.py)
admin.site.login_form = security.LoginForm
admin.site.login_template = "security/login.html"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # the language switch saves the choice on the account (portal.language), then Django's
    path("i18n/", include("portal.language_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", observability.healthz, name="healthz"),
    path("metrics", observability.metrics, name="metrics"),
    path("tai-khoan/xac-thuc-hai-lop/", security.second_factor, name=security.ENROL_URL_NAME),
    # the approver's inbox (portal.inbox), in the admin's layout and behind its login
    path("admin/hop-duyet/", include("portal.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cbccvc.api.urls")),
    path("api/sync/", include("syncing.urls")),
]

# Under /api/ an unknown path answers with RFC 9457 problem details, like every API error
# (portal.views.page_not_found hands it to cbccvc.api.views.not_found); elsewhere the 403 and
# 404 pages are in the admin's layout and the user's language.
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
