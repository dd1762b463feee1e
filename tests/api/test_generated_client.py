"""A Python client generated from ``docs/openapi.yaml`` by a generator we did not write
(openapi-python-client, as an integrator would use it) works against the running app: it reads
a profile, updates it with ``If-Match`` from the read's ``ETag`` and ``X-Change-Reason``, and
uploads an import with an ``Idempotency-Key``, twice, getting the same job back."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

import pytest
from django.conf import settings

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
CLI = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "cbccvc_api_client"


@pytest.fixture
def generated_client(tmp_path: Path) -> Iterator[ModuleType]:
    """Generate the client into ``tmp_path`` (offline: the schema is a local file; no
    formatter hooks) and import it; the generator must report no warning (an operation or a
    model it could not read would be missing from the client)."""
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n", encoding="utf-8")
    command = [CLI, "generate", "--path", SCHEMA_FILE, "--meta", "none", "--config", config]
    run = subprocess.run(
        [str(arg) for arg in command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Warning" not in output and "Error" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _api(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.api.{name}")


def test_a_generated_client_reads_updates_and_imports(
    generated_client, live_server, key_for, agencies, tmp_path, reference_data
):
    from profiles.models import Profile
    from tests.importing.pipeline_fixtures import PROFILE_HEADERS, person_row, write_xlsx
    from transfer.models import ImportJob

    client_module = importlib.import_module(f"{PACKAGE}.client")
    types = importlib.import_module(f"{PACKAGE}.types")
    models = importlib.import_module(f"{PACKAGE}.models")
    profiles = _api(generated_client, "profiles")
    imports = _api(generated_client, "imports")
    retrieve = importlib.import_module(f"{profiles.__name__}.profiles_retrieve")
    patch = importlib.import_module(f"{profiles.__name__}.profiles_partial_update")
    upload = importlib.import_module(f"{imports.__name__}.imports_create")

    _key, token = key_for("a", write=True, import_=True)
    server = live_server.url + "/api/v1"  # the schema's first server, relative to the host
    client = client_module.AuthenticatedClient(base_url=server, token=token)
    pid = agencies["a_profile"].pk

    # read: a typed profile, and its ETag header
    read = retrieve.sync_detailed(id=pid, client=client)
    assert read.status_code == 200, read.content
    assert isinstance(read.parsed, models.Profile)
    assert read.parsed.full_name == "Nguyễn Văn An"
    etag = read.headers["ETag"]

    # update with If-Match from the read and a percent-encoded reason
    changed = patch.sync_detailed(
        id=pid,
        client=client,
        body=models.PatchedProfileRequest(phone="0912345678"),
        if_match=etag,
        x_change_reason=quote("Cập nhật số điện thoại"),
    )
    assert changed.status_code == 200, changed.content
    assert isinstance(changed.parsed, models.Profile)
    assert changed.parsed.phone == "0912345678"
    assert changed.headers["ETag"] != etag
    assert Profile.objects.get(pk=pid).phone == "0912345678"
    record = Profile.history.filter(id=pid).latest("history_id")
    assert record.history_change_reason.startswith("Cập nhật số điện thoại")

    # the stale ETag: the documented 412, parsed as problem details
    stale = patch.sync_detailed(
        id=pid,
        client=client,
        body=models.PatchedProfileRequest(phone="0987654321"),
        if_match=etag,
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, models.ProblemDetails)
    assert stale.parsed.status == 412

    # upload an import (multipart) with an Idempotency-Key, twice: one job, the same answer
    book = write_xlsx(tmp_path / "phu-tho.xlsx", {"DS": [PROFILE_HEADERS, person_row(1)]})
    answers = []
    for _ in range(2):
        with book.open("rb") as fh:
            body = models.ImportUploadRequest(
                file=types.File(payload=fh, file_name=book.name),
                unit=agencies["a_dept"].pk,
            )
            answers.append(
                upload.sync_detailed(client=client, body=body, idempotency_key="import-phu-tho-1")
            )
    first, again = answers
    assert first.status_code == 201, first.content
    assert isinstance(first.parsed, models.ImportJob)
    assert again.status_code == 201, again.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.parsed == first.parsed
    assert ImportJob.objects.filter(unit=agencies["a_dept"]).count() == 1
