import os

from django.conf import settings
from django.db import connection


def test_vietnamese_by_default_with_english_available():
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert "en" in dict(settings.LANGUAGES)


def test_database_is_the_one_ci_asked_for(db):
    expected = "postgresql" if os.environ.get("CBCCVC_REQUIRE_POSTGRES") == "1" else None
    if expected:
        assert connection.vendor == expected
    else:
        assert connection.vendor in {"sqlite", "postgresql"}
