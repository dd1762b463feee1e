"""Every label our models give the admin — field names, help texts, choices, model names — is
marked for translation and has an English translation, so that an English page never shows a
Vietnamese field name or choice (issue 17). The walk is ``untranslated_model_labels`` of
``tests/english_wording.py``; the second test shows it catching each kind of fault on fields
made for the test (not attached to any model)."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tests.english_wording import field_label_problems, untranslated_model_labels

pytestmark = pytest.mark.database_free


def test_every_model_label_of_our_apps_is_translated_into_english():
    problems = untranslated_model_labels()
    assert not problems, "model labels without English:\n" + "\n".join(problems)


class Colour(models.TextChoices):
    RED = "red", _("đỏ thẫm chưa dịch")  # a msgid the catalogue does not have
    BLUE = "blue", _("trạng thái")  # translated: "status"


def test_the_walk_finds_plain_strings_and_labels_without_english():
    plain = models.CharField("họ và tên", help_text="Ghi đủ họ tên.", max_length=10)
    no_english = models.CharField(_("tên chưa có bản dịch"), max_length=10, choices=Colour.choices)
    translated = models.CharField(_("trạng thái"), max_length=10, help_text=_("ghi chú"))
    languages = models.CharField(_("ngôn ngữ giao diện"), max_length=10, choices=settings.LANGUAGES)
    same_word = models.TextField(_("PEM"))

    assert field_label_problems(plain, "plain") == [
        "plain name: 'họ và tên' is not marked for translation",
        "plain help text: 'Ghi đủ họ tên.' is not marked for translation",
    ]
    assert field_label_problems(no_english, "x") == [
        "x name: 'tên chưa có bản dịch' has no English",
        "x choice 'red': 'đỏ thẫm chưa dịch' has no English",
    ]
    assert field_label_problems(translated, "t") == []
    assert field_label_problems(languages, "l") == []  # each language in its own name
    assert field_label_problems(same_word, "s") == []


def test_objects_are_named_in_one_language():
    """An object's name (page titles, breadcrumbs, related-object columns) is one sentence in the
    user's language around the data (people's names), never Vietnamese words around an English
    status or the reverse."""
    from datetime import datetime

    from profiles.models import Profile, ProfileMerge, ProfileSignature, ProfileVersion
    from syncing.models import TestSyncRun
    from tests.browser.page_text import VIETNAMESE_WORD

    person = Profile(full_name="Nguyễn Thị Hương")
    version = ProfileVersion(profile=person, number=2, status="signed")
    objects = [
        ProfileMerge(merged_label="Nguyễn Thị Hương #7", survivor_label="Nguyễn Thị Hương #3"),
        ProfileSignature(version=version, signer_name="Trần Văn Ký"),
        version,
        TestSyncRun(created_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC)),
    ]
    data = ["Nguyễn Thị Hương", "Trần Văn Ký"]
    with translation.override("en"):
        names = [str(o) for o in objects]
    for name in names:
        words = VIETNAMESE_WORD.findall(_without(name, data))
        assert not words, name
    with translation.override("vi"):
        assert str(objects[3]) == "Gửi thử M51 05/01/2026 09:30"


def _without(text: str, data: list[str]) -> str:
    for value in data:
        text = text.replace(value, "")
    return text
