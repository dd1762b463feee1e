"""``manage.py check --deploy`` is clean with the production settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

# the package's conftest loads the code lists into the test database for every test
pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={
            # the browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE in this process;
            # a deployment never has it
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "cbccvc.settings_production",
            "CBCCVC_PRODUCTION": "1",
            **env,
        },
        capture_output=True,
        text=True,
    )


def test_check_deploy_is_clean(tmp_path):
    env = {
        "CBCCVC_SECRET_KEY": secrets.token_urlsafe(64),
        "CBCCVC_ALLOWED_HOSTS": "cbccvc.example.gov.vn",
        "CBCCVC_VAR_DIR": str(tmp_path),
    }
    result = _run(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_demo_secret_key(tmp_path):
    result = _run({"CBCCVC_SECRET_KEY": "", "CBCCVC_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode != 0 and "CBCCVC_SECRET_KEY" in result.stderr


def test_production_does_not_install_the_national_emulator(tmp_path):
    """The emulator (its app, database and router) exists for the demo and the tests only."""
    env = {
        "CBCCVC_SECRET_KEY": secrets.token_urlsafe(64),
        "CBCCVC_ALLOWED_HOSTS": "cbccvc.example.gov.vn",
        "CBCCVC_VAR_DIR": str(tmp_path),
    }
    probe = (
        "from django.apps import apps; from django.conf import settings; "
        "print(apps.is_installed('syncing.emulator'), 'national' in settings.DATABASES, "
        "any('emulator' in r for r in settings.DATABASE_ROUTERS))"
    )
    result = _run(env, "shell", "-c", probe)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "False", "False"]
    commands = _run(env, "help", "--commands")
    assert "national_emulator" not in commands.stdout.split()
