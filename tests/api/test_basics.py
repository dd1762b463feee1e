"""Keys, scopes, problem details, ETag/If-Match, idempotency, throttling, history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from orgtree.apikeys import revoke_key
from orgtree.models import ApiRequestLog
from profiles.models import Profile, WorkHistory

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

PROFILES = "/api/v1/profiles/"


def test_list_and_detail_in_scope_only(api, agencies):
    client = api("a")
    listing = client.get(PROFILES)
    assert listing.status_code == 200, listing.content
    ids = [row["id"] for row in listing.json()["results"]]
    assert ids == [agencies["a_profile"].pk]
    detail = client.get(f"{PROFILES}{agencies['a_profile'].pk}/")
    assert detail.status_code == 200
    assert detail.json()["personal_id"] == "040085001234"
    assert detail["ETag"]
    assert ApiRequestLog.objects.filter(path__startswith=PROFILES).count() == 2


def test_search_without_diacritics(api, agencies):
    client = api("a")
    found = client.get(PROFILES, {"q": "nguyen van"}).json()["results"]
    assert [r["id"] for r in found] == [agencies["a_profile"].pk]
    assert client.get(PROFILES, {"q": "Hoàng Thị"}).json()["results"] == []


def test_no_key_missing_revoked_or_expired_is_401_problem(key_for, agencies):
    url = f"{PROFILES}{agencies['a_profile'].pk}/"
    anonymous = ApiClient(None).get(url)
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"] == "application/problem+json"
    key, token = key_for("a")
    assert ApiClient(token).get(url).status_code == 200
    revoke_key(key)
    revoked = ApiClient(token).get(url)
    assert revoked.status_code == 401
    body = revoked.json()
    assert body["status"] == 401 and body["title"] == "Chưa xác thực"
    assert "thu hồi" in body["detail"]
    assert body["instance"] == url
    _key, expired = key_for("a", expires_at=timezone.now() - timedelta(minutes=1))
    assert ApiClient(expired).get(url).status_code == 401
    assert ApiClient(token[:-2] + "xx").get(url).status_code == 401


def test_problem_details_in_english_on_request(api, agencies):
    client = api("a")
    vi = client.get(f"{PROFILES}987654/")
    en = client.get(f"{PROFILES}987654/", **{"Accept-Language": "en"})
    assert vi.status_code == en.status_code == 404
    assert vi.json()["title"] == "Không tìm thấy"
    assert en.json()["title"] == "Not found"


def test_read_key_cannot_write(api, agencies):
    client = api("a", write=False)
    url = f"{PROFILES}{agencies['a_profile'].pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(url, {"phone": "0912345678"}, **{"If-Match": etag})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_if_match_required_and_second_writer_gets_412(api, agencies):
    first, second = api("a"), api("a")
    url = f"{PROFILES}{agencies['a_profile'].pk}/"
    etag = first.get(url)["ETag"]
    assert second.get(url)["ETag"] == etag
    missing = first.patch(url, {"phone": "0912345678"})
    assert missing.status_code == 428
    ok = first.patch(url, {"phone": "0912345678"}, **{"If-Match": etag})
    assert ok.status_code == 200, ok.content
    assert ok["ETag"] != etag
    stale = second.patch(url, {"phone": "0987654321"}, **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["status"] == 412
    assert Profile.objects.get(pk=agencies["a_profile"].pk).phone == "0912345678"


def test_write_goes_to_history_with_the_key_identity_and_reason(key_for, agencies):
    key, token = key_for("a")
    client = ApiClient(token)
    url = f"{PROFILES}{agencies['a_profile'].pk}/"
    etag = client.get(url)["ETag"]
    response = client.patch(
        url,
        {"phone": "0912345678"},
        **{"If-Match": etag, "X-Change-Reason": "Cap%20nhat%20so%20dien%20thoai"},
    )
    assert response.status_code == 200, response.content
    record = Profile.history.filter(id=agencies["a_profile"].pk).latest("history_id")
    assert record.history_user == agencies["a_client"].service_user
    assert record.history_change_reason.startswith("Cap nhat so dien thoai [API")
    assert key.prefix in record.history_change_reason


def test_create_profile_through_the_service_and_unit_of_b_is_unknown(api, agencies):
    from tests.profiles.conftest import valid_fields

    client = api("a")
    body = {
        k: str(v) for k, v in valid_fields(personal_id="040185004321", full_name="trần thị bình",
                                           sex="2").items()
    }  # fmt: skip
    body.pop("birthplace_province_code")
    body.pop("hometown_province_code")
    foreign = client.post(PROFILES, {**body, "unit": agencies["b_dept"].pk})
    unknown = client.post(PROFILES, {**body, "unit": 987654})
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["errors"][0]["field"] == "unit"
    assert foreign.json()["errors"] == unknown.json()["errors"] or (
        foreign.json()["errors"][0]["message"].replace(str(agencies["b_dept"].pk), "X")
        == unknown.json()["errors"][0]["message"].replace("987654", "X")
    )
    created = client.post(PROFILES, {**body, "unit": agencies["a_dept"].pk})
    assert created.status_code == 201, created.content
    profile = Profile.objects.get(personal_id="040185004321")
    assert profile.full_name == "Trần Thị Bình"  # cleaned as in the admin
    assert profile.validated_at is not None  # validated on creation
    assert profile.history.first().history_user == agencies["a_client"].service_user


def test_idempotent_post(api, agencies):
    client = api("a")
    url = f"{PROFILES}{agencies['a_profile'].pk}/work-history/"
    body = {"start_date": "2024-01-01", "description": "Phó trưởng phòng"}
    first = client.post(url, body, **{"Idempotency-Key": "abc-1"})
    assert first.status_code == 201, first.content
    again = client.post(url, body, **{"Idempotency-Key": "abc-1"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert WorkHistory.objects.filter(description="Phó trưởng phòng").count() == 1
    other = client.post(url, {**body, "description": "khác"}, **{"Idempotency-Key": "abc-1"})
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"


def test_throttled_per_key(api, agencies):
    slow = api("a", rate_per_minute=3)
    other = api("a")
    codes = [slow.get("/api/v1/units/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert other.get("/api/v1/units/").status_code == 200


def test_child_rows_and_workflow(api, agencies):
    client = api("a")
    pid = agencies["a_profile"].pk
    rows = client.get(f"{PROFILES}{pid}/work-history/")
    assert rows.status_code == 200
    row_url = f"{PROFILES}{pid}/work-history/{agencies['a_row'].pk}/"
    etag = client.get(row_url)["ETag"]
    changed = client.patch(row_url, {"description": "Trưởng phòng"}, **{"If-Match": etag})
    assert changed.status_code == 200, changed.content
    submitted = client.post(f"{PROFILES}{pid}/submit/")
    assert submitted.status_code in (201, 409), submitted.content
    versions = client.get(f"{PROFILES}{pid}/versions/")
    assert versions.status_code == 200


def test_units_tree_history_successors_places_codelists(api, agencies, reference_data):
    client = api("a")
    units = client.get("/api/v1/units/").json()["results"]
    assert {u["code"] for u in units} == {"H25", "H25.01"}
    tree = client.get("/api/v1/units/tree/").json()
    assert [n["code"] for n in tree] == ["H25"]
    history = client.get(f"/api/v1/units/{agencies['a'].pk}/history/").json()
    assert history["events"][0]["kind"] == "create"
    succ = client.get(f"/api/v1/units/{agencies['a'].pk}/successors/").json()
    assert succ[0]["code"] == "H25"
    place = client.get("/api/v1/places/resolve/", {"text": "Thừa Thiên Huế"})
    assert place.status_code == 200, place.content
    assert place.json()["province"] is not None
    lists = client.get("/api/v1/codelists/").json()
    assert lists
    detail = client.get(f"/api/v1/codelists/{lists[0]['key']}/").json()
    assert detail["items"]


def test_sync_state_and_reconciliation_items(api, agencies):
    from datetime import date

    from profiles.models import ProfileVersion, VersionStatus
    from syncing.models import Mismatch, SyncItem

    profile = agencies["a_profile"]
    version = ProfileVersion.objects.create(
        profile=profile,
        number=1,
        status=VersionStatus.SIGNED,
        snapshot={},
        content_hash="0" * 64,
        submitted_at=timezone.now(),
    )
    SyncItem.objects.create(
        version=version, next_attempt_at=timezone.now(), idempotency_key="a-1", attempts=2
    )
    mismatch = Mismatch.objects.create(
        external_id="a-1",
        profile=profile,
        kind="dob",
        field="date_of_birth",
        our_value="14/03/1985",
        population_value="15/03/1985",
        since=date(2025, 9, 11),
        last_seen_at=timezone.now(),
    )
    client = api("a", write=False)
    sync = client.get(f"{PROFILES}{profile.pk}/sync/")
    assert sync.status_code == 200
    assert [(s["version"], s["attempts"]) for s in sync.json()] == [(1, 2)]
    items = client.get("/api/v1/reconciliation/", {"status": "open"}).json()["results"]
    assert [m["id"] for m in items] == [mismatch.pk]
    assert items[0]["personal_id"] == profile.personal_id
    assert client.get("/api/v1/reconciliation/", {"kind": "sex"}).json()["results"] == []


def test_browsable_api_with_a_session_sees_the_users_scope(agencies, user_with):
    from django.test import Client

    from orgtree.models import Role

    hr = user_with("a_hr", (agencies["a"], Role.HR_OFFICER))
    browser = Client()
    browser.force_login(hr)
    page = browser.get(PROFILES, headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "040085001234" in html and "001085009999" not in html
    assert browser.get(f"{PROFILES}{agencies['b_profile'].pk}/").status_code == 404
    schema = browser.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
