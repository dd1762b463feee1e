"""The other doors of the import (the admin wizard over HTTP, the REST API upload, a django-q2
task) driven with a generated legacy shape, and what each door left in the database compared
with what the ``import_profiles`` command left (used by test_import_doors.py).

What is compared (:func:`snapshot`): every profile with its fields and its child rows (work
history … findings, the source's extra data), every row of the holding area with its cells and
problems, and the report (totals, each file's sheets, skipped rows, problems and rows). What
depends on the door by design is left out: the job's id, timings, the author (the API writes as
the key's service user), timestamps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from .legacy_shapes import Shape
from .shape_check import import_shape

API_URL = "/api/v1/imports/"
#: the HTTP doors are used from a browser (or a client) asking for English: what the import
#: stores must not depend on it
ENGLISH = {"Accept-Language": "en"}

#: related tables of a profile not compared: its history (one version per write, authored by
#: the door's user, reason naming the job) and records of other features
_NOT_COMPARED = {"profiles.ProfileVersion", "profiles.ProfileMerge", "syncing.Mismatch"}

#: report keys that name the job or its timing, not what was imported
_REPORT_NOISE = {"job", "job_id", "seconds", "files_sha256", "created_at", "finished_at"}


# -- what a door left --------------------------------------------------------------------------
def _value(field: models.Field, obj: models.Model) -> Any:
    from orgtree.models import Unit

    if isinstance(field, models.ForeignKey):  # a unit by its id (the same units for every
        # door), not users, jobs or other rows: ids of this run
        return getattr(obj, field.attname) if field.related_model is Unit else None
    value = getattr(obj, field.attname)
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _fields(model: type[models.Model]) -> list[models.Field]:
    skip_fk = ("profile", "survivor")
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key
        and f.name not in skip_fk
        and not isinstance(f, models.DateTimeField)  # when it was written
        and f.name not in ("created_by", "author", "updated_by")
    ]


def _row(obj: models.Model, fields: list[models.Field]) -> dict[str, Any]:
    return {f.name: _value(f, obj) for f in fields}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in _REPORT_NOISE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def snapshot(report: dict[str, Any]) -> dict[str, Any]:
    """Every profile, held row and the report's content, as plain data."""
    from profiles.models import Profile
    from transfer.holding_models import HeldRow

    profiles: dict[str, Any] = {}
    fields = _fields(Profile)
    related = [
        r for r in Profile._meta.related_objects if r.related_model._meta.label not in _NOT_COMPARED
    ]
    children: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for rel in related:  # one query per table
        model = rel.related_model
        child_fields = _fields(model)
        for o in model._default_manager.all():
            key = (model._meta.label, getattr(o, rel.field.attname))
            children.setdefault(key, []).append(_row(o, child_fields))
    for profile in Profile.objects.order_by("personal_id"):
        entry = _row(profile, fields)
        for rel in related:
            label = rel.related_model._meta.label
            entry[label] = sorted(
                children.get((label, profile.pk), []), key=lambda d: json.dumps(d, default=str)
            )
        profiles[profile.personal_id] = entry
    held = {
        f"{h.file} › {h.sheet} › {h.row}": _row(h, _fields(HeldRow)) for h in HeldRow.objects.all()
    }
    body = _scrub({k: v for k, v in report.items() if k not in ("rows", "mode", "committed")})
    rows = sorted(
        (_scrub(r) for r in report.get("rows", [])),
        key=lambda r: (r["file"], r["sheet"] or "", r["row"], r["table"], json.dumps(r)),
    )
    return {"profiles": profiles, "held": held, "report": body, "rows": rows}


def differences(expected: Any, got: Any, where: str = "") -> list[str]:
    """Every place where ``got`` differs from ``expected``, one sentence each."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for key in sorted(set(expected) | set(got), key=str):
            here = f"{where}.{key}" if where else str(key)
            if key not in got:
                out.append(f"{here}: missing (command: {_short(expected[key])})")
            elif key not in expected:
                out.append(f"{here}: extra {_short(got[key])}")
            else:
                out.extend(differences(expected[key], got[key], here))
        return out
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        out = []
        for n, (a, b) in enumerate(zip(expected, got, strict=True)):
            out.extend(differences(a, b, f"{where}[{n}]"))
        return out
    if expected != got:
        return [f"{where}: {_short(got)} != command's {_short(expected)}"]
    return []


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 200 else text[:200] + "…"


# -- the doors ---------------------------------------------------------------------------------
def by_command(shape: Shape, unit: Any, user: Any, out: Path) -> dict[str, Any]:
    return import_shape(shape, unit, user, out)


def by_wizard(shape: Shape, unit: Any, user: Any, out: Path) -> dict[str, Any]:
    """Upload in the admin (a browser asking for English), the mapping step saved as the page
    shows it (the officer keeps every suggestion), the preview again, confirm, download the
    report."""
    from transfer.models import ImportJob

    client = Client(headers=ENGLISH)
    client.force_login(user)
    with shape.path.open("rb") as fh:
        uploaded = client.post(
            reverse("admin:transfer_importjob_add"), {"files": [fh], "unit": unit.pk}
        )
    assert uploaded.status_code == 302, uploaded.content.decode()[:2000]
    preview_url = uploaded["Location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    job = ImportJob.objects.get(pk=preview.context["job"].pk)
    assert job.status == ImportJob.Status.PLANNED, job.error
    choices = mapping_form(preview.context)
    if choices:  # the page asks about unknown columns or values: saved as shown
        saved = client.post(preview_url, choices)
        assert saved.status_code == 302
        job.refresh_from_db()
        assert job.status == ImportJob.Status.PLANNED and job.mapping_id, job.error
        assert client.get(preview_url).status_code == 200
    confirmed = client.post(preview_url, {"confirm": "1"})
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    answer = client.get(reverse("admin:transfer_import_report", args=[job.pk]))
    assert answer.status_code == 200
    return json.loads(answer.getvalue())


def mapping_form(context: Any) -> dict[str, str]:
    """What the preview's mapping form posts when the officer changes nothing: every unknown
    column and value with the choice the page selects (empty when the page shows no form)."""
    columns, values = context["unknown_columns"], context["unknown_values"]
    if not columns and not values:
        return {}
    post = {
        "save_mapping": "1",
        "target_mapping": str(context["job"].mapping_id or ""),
        "mapping_name": context["default_mapping_name"],
        "source_software": "",
    }
    for n, c in enumerate(columns):
        post[f"col-key-{n}"] = c.key
        post[f"col-{n}"] = c.current
    for n, v in enumerate(values):
        post[f"val-key-{n}"] = v.key
        post[f"val-{n}"] = v.current
    return post


def by_api(shape: Shape, unit: Any, user: Any, out: Path) -> dict[str, Any]:
    """Upload through the REST API with a key of the unit's agency (asking for English),
    written at once
    (``dry_run=false``; preview and confirm are the wizard's path), then the report. The job is
    the key's service user's, as for every API import."""
    from orgtree.apikeys import issue_key
    from orgtree.models import IntegrationClient
    from transfer.models import ImportJob

    root = unit.get_root() if unit.parent_id else unit
    client_app = IntegrationClient.objects.create(name="Phần mềm cũ", unit=root)
    token = issue_key(client_app, write=False, import_=True).token
    client = Client(headers={"Authorization": f"Bearer {token}", **ENGLISH})
    with shape.path.open("rb") as fh:
        created = client.post(API_URL, {"file": fh, "unit": unit.pk, "dry_run": "false"})
    assert created.status_code == 201, created.content.decode()[:2000]
    job = ImportJob.objects.get(pk=created.json()["id"])
    assert job.status == ImportJob.Status.DONE, job.error
    answer = client.get(f"{API_URL}{job.pk}/report/")
    assert answer.status_code == 200
    return answer.json()


def by_task(shape: Shape, unit: Any, user: Any, out: Path) -> dict[str, Any]:
    """The job queued as a django-q2 task (as a large upload is), taken from django-q2's broker
    and run by django-q2's worker and monitor in this process, as a cluster would."""
    from transfer import jobs
    from transfer.models import ImportJob
    from transfer.results import full_report

    job = jobs.start_import(
        user=user, unit=unit, files=[(shape.path.name, shape.path)], dry_run=False, run="task"
    )
    job.refresh_from_db()
    assert job.task_id and job.status == ImportJob.Status.PENDING, "not queued"
    assert run_queued_tasks() == [job.task_id]
    from django_q.models import OrmQ, Success

    assert Success.objects.filter(id=job.task_id).exists() and not OrmQ.objects.exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    return full_report(job)


def run_queued_tasks() -> list[str]:
    """Every task in django-q2's broker run by its worker (results saved by its monitor), as
    a cluster does; the ids of the tasks run. In this process, inside the test's transaction:
    django-q2's ``SYNC`` flag keeps its worker from closing the connection (a cluster's worker
    has its own)."""
    from multiprocessing import Queue, Value
    from unittest import mock

    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.monitor import monitor
    from django_q.signing import SignedPackage
    from django_q.worker import worker

    broker = get_broker()
    done = []
    queued = None
    for _attempt in range(3):  # the ORM broker hands out a task locked before "now"
        queued = broker.dequeue()
        if queued:
            break
    for ack_id, package in queued or []:
        task = SignedPackage.loads(package)
        task["ack_id"] = ack_id  # as the cluster's pusher does: the monitor acknowledges it
        tasks: Any = Queue()
        results: Any = Queue()
        tasks.put(task)
        tasks.put("STOP")
        with mock.patch.object(Conf, "SYNC", True):
            worker(tasks, results, Value("f", -1))
            results.put("STOP")
            monitor(results, broker)
        for q in (tasks, results):
            q.close()
            q.join_thread()
        done.append(task["id"])
    return done


DOORS: dict[str, Callable[[Shape, Any, Any, Path], dict[str, Any]]] = {
    "wizard": by_wizard,
    "api": by_api,
    "task": by_task,
}


def through(door: Callable[..., dict[str, Any]], shape: Shape, unit: Any, user: Any, out: Path):
    """What ``door`` leaves for ``shape``, the database as it was afterwards (and the language
    a request of the door activated put back)."""
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        snap = snapshot(door(shape, unit, user, out))
        transaction.set_rollback(True)
    return snap
