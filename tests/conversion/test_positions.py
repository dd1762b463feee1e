"""Positions and titles across the 2025 reform: versioned code lists, the old → new mapping,
and the campaign converting (renamed), keeping (current) or sending to review (abolished,
unknown) the current position and title of a profile and of its current work row."""

from datetime import date

import pytest

from conversion import services
from conversion.models import ChangeRow, CodeMapping, Outcome
from profiles import codelists
from profiles.models import Profile, WorkHistory
from profiles.services import refresh_current

AS_OF = date(2026, 1, 10)


def _with_post(make_profile, personal_id, position, title="", **fields):
    profile = make_profile(personal_id=personal_id, **fields)
    WorkHistory.objects.create(
        profile=profile, start_date=date(2020, 1, 1), position_code=position, title_code=title
    )
    refresh_current(profile, on=AS_OF)
    return Profile.objects.get(pk=profile.pk)


@pytest.fixture
def posts(make_profile):
    return {
        "renamed": _with_post(make_profile, "040085001234", "CTUBTT", "DCNN"),
        "district": _with_post(make_profile, "040085001235", "CTUBH", full_name="Trần Bình"),
        "unknown": _with_post(make_profile, "040085001236", "TRUONGBAN", full_name="Lê Cường"),
        "current": _with_post(make_profile, "040085001237", "TP", "CVIEN", full_name="Phạm Dũng"),
    }


def _row(campaign, profile, field):
    return ChangeRow.objects.get(campaign=campaign, profile=profile, field=field)


def test_old_positions_are_a_version_of_the_list_valid_until_the_reform(db):
    before = codelists.items("position", date(2025, 6, 30))
    after = codelists.items("position", AS_OF)
    assert "CTUBH" in before and "CTUBH" not in after
    assert "CTUBX" in before and "CTUBX" in after
    assert "DCNN" in codelists.items("title", date(2024, 1, 1))
    assert "DCNN" not in codelists.items("title", AS_OF)


def test_the_starter_mapping_is_shipped_with_its_source(db):
    district = CodeMapping.objects.get(list_key="position", old_code="CTUBH")
    assert district.new_code == "" and "CTUBX" in district.candidates
    assert "Luật Tổ chức chính quyền địa phương 2025" in district.source
    assert CodeMapping.objects.get(list_key="position", old_code="CTUBTT").new_code == "CTUBX"
    for row in CodeMapping.objects.exclude(new_code=""):  # every renamed post exists now
        assert row.new_code in codelists.items(row.list_key, AS_OF), row


def test_preview_converts_renamed_keeps_current_and_sends_the_rest_to_review(posts, hr):
    campaign = services.preview(unit=posts["renamed"].unit, as_of=AS_OF, user=hr)

    renamed = _row(campaign, posts["renamed"], "position_code")
    assert (renamed.outcome, renamed.rule) == (Outcome.CONVERTED, "code_mapping")
    assert (renamed.old_code, renamed.new_code) == ("CTUBTT", "CTUBX")
    assert renamed.new_text == "Chủ tịch Ủy ban nhân dân xã, phường [CTUBX]"
    title = _row(campaign, posts["renamed"], "title_code")
    assert (title.outcome, title.new_code) == (Outcome.CONVERTED, "DCXD")

    district = _row(campaign, posts["district"], "position_code")
    assert (district.outcome, district.rule) == (Outcome.REVIEW, "code_abolished")
    assert district.new_code == "" and "Ủy ban nhân dân huyện" in district.old_text
    assert [c["code"] for c in district.candidates] == ["CTUBX", "GD", "PGD"]

    unknown = _row(campaign, posts["unknown"], "position_code")
    assert (unknown.outcome, unknown.rule, unknown.new_code) == (Outcome.REVIEW, "code_unknown", "")

    for field in ("position_code", "title_code"):
        row = _row(campaign, posts["current"], field)
        assert (row.outcome, row.new_code) == (Outcome.CURRENT, row.old_code)
    assert campaign.counts["fields"]["position_code"] == {
        Outcome.CONVERTED: 1,
        Outcome.REVIEW: 2,
        Outcome.CURRENT: 1,
    }
    # the review list of place texts does not offer positions for a place decision
    assert all("[" not in entry["text"] for entry in services.review_texts(campaign))


def _codes(profile):
    p = Profile.objects.get(pk=profile.pk)
    work = WorkHistory.objects.get(profile=p)
    return p.position_code, p.title_code, work.position_code, work.title_code


def test_commit_writes_profile_and_current_work_row_and_undo_restores(posts, hr):
    campaign = services.preview(unit=posts["renamed"].unit, as_of=AS_OF, user=hr)
    result = services.commit(campaign, hr)

    assert _codes(posts["renamed"]) == ("CTUBX", "DCXD", "CTUBX", "DCXD")
    assert _codes(posts["district"])[0] == "CTUBH"  # to review: untouched
    assert _codes(posts["unknown"])[0] == "TRUONGBAN"
    assert _codes(posts["current"]) == ("TP", "CVIEN", "TP", "CVIEN")
    work = WorkHistory.objects.get(profile=posts["renamed"])
    assert "chức vụ" in work.history.first().history_change_reason
    assert result.values >= 2

    undone = services.undo(campaign, hr)
    assert undone.done, undone.blockers
    assert _codes(posts["renamed"]) == ("CTUBTT", "DCNN", "CTUBTT", "DCNN")


def test_undo_is_blocked_when_the_work_row_changed_since(posts, hr):
    campaign = services.preview(unit=posts["renamed"].unit, as_of=AS_OF, user=hr)
    services.commit(campaign, hr)
    WorkHistory.objects.filter(profile=posts["renamed"]).update(position_code="GD")
    result = services.undo(campaign, hr)
    assert not result.done
    assert "work_history" in result.blockers[0]["reason"]


def test_a_district_post_is_chosen_once_by_click_for_every_profile_and_undone(
    posts, hr, make_profile, client, tree
):
    from django.urls import reverse

    from conversion import review

    other = _with_post(make_profile, "040085001238", "CTUBH", full_name="Vũ Giang")
    campaign = services.preview(unit=posts["renamed"].unit, as_of=AS_OF, user=hr)
    groups = {(g.field, g.old_code): g for g in review.code_groups(campaign)}
    district = groups["position_code", "CTUBH"]
    assert district.count == 2 and [c["code"] for c in district.candidates] == [
        "CTUBX",
        "GD",
        "PGD",
    ]
    assert review.code_groups(campaign, "title_code") == []  # the field filter
    unit = posts["district"].unit  # the unit filter offers the units with codes waiting
    assert list(review.review_units(campaign)) == [unit]
    assert review.code_groups(campaign, "", unit)
    assert review.code_groups(campaign, "", tree["H40.11"]) == []  # nobody waits there
    with pytest.raises(services.ConversionError, match="gợi ý"):
        review.decide_code(campaign, "position_code", "CTUBH", "TP", hr)  # not a candidate

    client.force_login(hr)
    page = reverse("admin:conversion_campaign_page", args=[campaign.pk])
    html = client.get(page, {"field": "position_code"}).content.decode()
    assert 'name="choose_code" value="CTUBX"' in html and 'value="CTUBH"' in html
    response = client.post(
        page, {"choose_code": "CTUBX", "field": "position_code", "old_code": "CTUBH"}
    )
    assert response.status_code == 302
    rows = ChangeRow.objects.filter(campaign=campaign, field="position_code", old_code="CTUBH")
    assert {(r.outcome, r.rule, r.new_code) for r in rows} == {
        (Outcome.CONVERTED, "decision", "CTUBX")
    }
    assert "canbo_tc" in rows.first().reason  # who chose

    services.commit(campaign, hr)
    for person in (posts["district"], other):
        assert _codes(person)[0::2] == ("CTUBX", "CTUBX")  # the profile and its work row
    assert services.undo(campaign, hr).done
    for person in (posts["district"], other):
        assert _codes(person)[0::2] == ("CTUBH", "CTUBH")
