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


def _setting_in_a_fresh_process(name: str, env: dict[str, str]) -> str:
    import subprocess
    import sys

    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "cbccvc.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_verify_max_age_comes_from_the_environment():
    assert settings.CBCCVC_VERIFY_MAX_AGE_DAYS == int(
        os.environ.get("CBCCVC_VERIFY_MAX_AGE_DAYS", "365")
    )
    assert _setting_in_a_fresh_process("CBCCVC_VERIFY_MAX_AGE_DAYS", {}) in {
        os.environ.get("CBCCVC_VERIFY_MAX_AGE_DAYS", "365")
    }
    assert (
        _setting_in_a_fresh_process(
            "CBCCVC_VERIFY_MAX_AGE_DAYS", {"CBCCVC_VERIFY_MAX_AGE_DAYS": "90"}
        )
        == "90"
    )
