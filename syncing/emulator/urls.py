"""The emulator's own URLconf: exactly the paths of ``docs/national-api.yaml``."""

from django.urls import path

from .. import contract
from . import national_view, views


def _p(full: str) -> str:
    return full.removeprefix("/")


urlpatterns = [
    path(_p(contract.PATH_HEALTH), views.health, name="health"),
    path(_p(contract.PATH_AUTH_CHECK), views.auth_check, name="auth-check"),
    path(_p(contract.PATH_UNITS), views.units, name="units"),
    path(_p(contract.PATH_PROFILE_BATCHES), views.profile_batches, name="profile-batches"),
    path(_p(contract.PATH_PROFILE_STATUS), views.profile_status, name="profile-status"),
    path(_p(contract.PATH_M51), views.m51, name="m51"),
    path(_p(contract.PATH_SYNC_STATUS), views.sync_status, name="sync-status"),
    path(_p(contract.PATH_RECONCILIATION), views.reconciliation_results, name="reconciliation"),
    path(_p(contract.PATH_SCHEDULE), views.schedule, name="schedule"),
    path(_p(contract.PATH_KEYS), views.keys, name="keys"),
    path(_p(contract.PATH_KEY_REVOCATIONS), views.key_revocations, name="key-revocations"),
    path(_p(contract.PATH_KEY_ACTIVATION), views.key_activation, name="key-activation"),
    path(_p(contract.PATH_REPORTS), views.ministry_reports, name="reports"),
    # the ministry's view of every agency (HTML, read-only)
    path("", national_view.overview, name="national-overview"),
    path("reports/<str:receipt_id>.pdf", national_view.report_pdf, name="national-report-pdf"),
]

# The Party members database ("CSDL tổ chức đảng, đảng viên"), docs/party-api.md
from . import party  # noqa: E402

urlpatterns += [
    path(_p(party.PATH_HEALTH), party.health, name="party-health"),
    path(_p(party.PATH_BATCHES), party.member_batches, name="party-member-batches"),
]

handler404 = views.not_found
handler500 = views.server_error
