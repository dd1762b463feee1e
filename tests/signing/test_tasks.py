"""Batch signing through a real django-q2 task (run synchronously)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django_q.models import Task

from signing.credentials import add_pkcs12_credential
from signing.errors import WrongPin
from signing.models import SigningBatch
from signing.tasks import run_batch, start_batch, wipe_stale_pins
from signing.xmlsig import verify_document

from . import providers

PROVIDER = "tests.signing.providers.provide"
SYNC = {**settings.Q_CLUSTER, "sync": True}


@pytest.fixture
def approver(db):
    return get_user_model().objects.create_user("an")


@pytest.fixture
def credential(approver, rsa_cred):
    return add_pkcs12_credential(approver, rsa_cred.pkcs12, rsa_cred.pin)


@pytest.fixture(autouse=True)
def _clear_store():
    providers.SIGNED.clear()


@override_settings(Q_CLUSTER=SYNC)
def test_batch_signs_every_item_and_lists_failures(approver, credential, rsa_cred, test_ca):
    ids = [f"0010850000{i:02d}" for i in range(25)] + ["thieu-1", "hong-2"]
    batch = start_batch(approver, credential, ids, provider=PROVIDER, pin=rsa_cred.pin)
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE_WITH_ERRORS
    assert (batch.total, batch.done, batch.failed) == (27, 25, 2)
    assert batch.progress == 1.0
    assert batch.started_at and batch.finished_at
    assert batch.sealed_pin is None  # wiped at the end
    failures = batch.failures()
    assert set(failures) == {"thieu-1", "hong-2"}
    assert "thieu-1" in failures["thieu-1"]["error"]
    assert "XML" in failures["hong-2"]["error"]
    assert set(providers.SIGNED) == set(ids[:25])
    for item_id, signed in providers.SIGNED.items():
        result = verify_document(signed, test_ca.trust_store())
        assert result.ok and item_id.encode() in result.signed_content
    # It really went through django-q2.
    task = Task.objects.get(id=batch.task_id)
    assert task.success and task.func == "signing.tasks.run_batch"


@override_settings(Q_CLUSTER=SYNC)
def test_wrong_pin_is_refused_before_any_batch_exists(approver, credential):
    with pytest.raises(WrongPin):
        start_batch(approver, credential, ["1"], provider=PROVIDER, pin="000000")
    assert not SigningBatch.objects.exists()


def test_only_the_owner_may_start_and_input_is_checked(approver, credential, rsa_cred):
    other = get_user_model().objects.create_user("binh")
    with pytest.raises(PermissionDenied):
        start_batch(other, credential, ["1"], provider=PROVIDER, pin=rsa_cred.pin)
    with pytest.raises(ValidationError, match="Chưa chọn"):
        start_batch(approver, credential, [], provider=PROVIDER, pin=rsa_cred.pin)
    with pytest.raises(ValidationError, match="trùng"):
        start_batch(approver, credential, ["1", "1"], provider=PROVIDER, pin=rsa_cred.pin)
    with pytest.raises(ValidationError, match="nguồn tài liệu"):
        start_batch(approver, credential, ["1"], provider="khong.co.ham", pin=rsa_cred.pin)


def test_queued_batch_keeps_only_a_sealed_pin_until_it_runs(approver, credential, rsa_cred):
    """Not sync: the task is queued (ORM broker) on commit; the PIN is sealed meanwhile."""
    batch = start_batch(approver, credential, ["1", "2"], provider=PROVIDER, pin=rsa_cred.pin)
    assert batch.status == SigningBatch.Status.PENDING
    sealed = bytes(batch.sealed_pin)
    assert sealed and rsa_cred.pin.encode() not in sealed
    # What a worker would do:
    run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE and batch.done == 2
    assert batch.sealed_pin is None


def test_batch_whose_pin_changed_fails_and_wipes_the_pin(approver, credential, rsa_cred):
    from signing.keys import seal

    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=["1"],
        total=1,
        sealed_pin=seal(b"sai-pin"),
    )
    run_batch(batch.pk)
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.FAILED
    assert "PIN" in batch.error
    assert batch.sealed_pin is None and batch.done == 0


def test_stale_batches_lose_their_pin(approver, credential):
    from datetime import UTC, datetime, timedelta

    from signing.keys import seal

    batch = SigningBatch.objects.create(
        created_by=approver,
        credential=credential,
        provider=PROVIDER,
        item_ids=["1"],
        total=1,
        sealed_pin=seal(b"123"),
    )
    SigningBatch.objects.filter(pk=batch.pk).update(
        created_at=datetime.now(UTC) - timedelta(days=1)
    )
    assert wipe_stale_pins() == 1
    batch.refresh_from_db()
    assert batch.sealed_pin is None and batch.status == SigningBatch.Status.FAILED


@override_settings(Q_CLUSTER=SYNC, CBCCVC_SIGNING_CHUNK_ITEMS=20)
def test_progress_is_readable_while_the_batch_runs(approver, credential, rsa_cred):
    """The counters are committed with each chunk (20 items here)."""
    providers.PROGRESS_SEEN.clear()
    ids = [f"00108500{i:04d}" for i in range(45)]
    start_batch(approver, credential, ids, provider=PROVIDER + "_watching", pin=rsa_cred.pin)
    seen = providers.PROGRESS_SEEN
    assert len(seen) == 45 and {total for _, total in seen} == {45}
    assert seen[0][0] == 0 and seen[-1][0] == 40  # saved with every chunk of 20 items
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


POOL = {
    "CBCCVC_SIGNING_PROCESSES": 2,
    "CBCCVC_SIGNING_POOL_MIN_ITEMS": 10,
    "CBCCVC_SIGNING_CHUNK_ITEMS": 20,
}


@override_settings(Q_CLUSTER=SYNC, **POOL)
def test_a_big_batch_with_a_key_file_is_signed_by_worker_processes(
    approver, credential, rsa_cred, test_ca
):
    """Two worker processes sign (each opened the key once); this process renders and stores,
    in order; failures are listed as when signing here; the workers are gone at the end."""
    providers.WORKERS_SEEN.clear()
    ids = [f"0010850000{i:02d}" for i in range(30)]
    ids[7:7] = ["thieu-1"]
    ids[19:19] = ["hong-2"]
    batch = start_batch(
        approver, credential, ids, provider=PROVIDER + "_counting_workers",
        pin=rsa_cred.pin,
    )  # fmt: skip
    batch.refresh_from_db()
    assert set(providers.WORKERS_SEEN) == {2}
    assert providers._signing_workers() == 0
    assert batch.status == SigningBatch.Status.DONE_WITH_ERRORS
    assert (batch.total, batch.done, batch.failed) == (32, 30, 2)
    assert batch.sealed_pin is None
    failures = batch.failures()
    assert set(failures) == {"thieu-1", "hong-2"}
    assert "thieu-1" in failures["thieu-1"]["error"]
    assert "XML" in failures["hong-2"]["error"]
    assert list(providers.SIGNED) == [i for i in ids if i[0].isdigit()]  # stored in order
    trust = test_ca.trust_store()
    for item_id, signed in providers.SIGNED.items():
        result = verify_document(signed, trust)
        assert result.ok and item_id.encode() in result.signed_content
        assert result.serial  # signed with the batch's key
        assert result.certificate == rsa_cred.certificate


@override_settings(Q_CLUSTER=SYNC, **POOL)
def test_progress_is_readable_while_worker_processes_sign(approver, credential, rsa_cred):
    providers.PROGRESS_SEEN.clear()
    ids = [f"00108500{i:04d}" for i in range(45)]
    batch = start_batch(
        approver, credential, ids, provider=PROVIDER + "_watching", pin=rsa_cred.pin
    )
    seen = providers.PROGRESS_SEEN
    assert len(seen) == 45 and {total for _, total in seen} == {45}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    # saved with every chunk of 20 items, as when signing here (the next chunk is read before
    # the previous one is stored)
    assert seen[0][0] == 0 and {done for done, _ in seen} <= {0, 20, 40}
    assert 20 in {done for done, _ in seen}
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (45, 0, SigningBatch.Status.DONE)


@override_settings(Q_CLUSTER=SYNC, **POOL)
def test_a_small_batch_is_signed_here_without_workers(approver, credential, rsa_cred):
    providers.WORKERS_SEEN.clear()
    ids = [f"0010850000{i:02d}" for i in range(5)]
    start_batch(
        approver, credential, ids, provider=PROVIDER + "_counting_workers",
        pin=rsa_cred.pin,
    )  # fmt: skip
    assert providers.WORKERS_SEEN == [0] * 5
    assert set(providers.SIGNED) == set(ids)


@override_settings(Q_CLUSTER=SYNC)
def test_a_runner_overtaken_by_another_stops_and_leaves_it_the_pin(approver, credential, rsa_cred):
    """Two runners of one batch (a task re-delivered while the first still ran): the one that
    finds the batch moved on stores nothing, stops, and leaves the sealed PIN to the other,
    which may still need it to resume."""
    ids = ["001085000001", "overtaken", "001085000003"]
    batch = start_batch(
        approver, credential, ids, provider="tests.signing.providers.provide_overtaken",
        pin=rsa_cred.pin,
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.RUNNING  # the other runner finishes it
    assert (batch.done, batch.failed) == (1, 0)  # only the other runner's count
    assert providers.SIGNED == {}  # this runner stored nothing
    assert batch.sealed_pin is not None


@override_settings(
    Q_CLUSTER=SYNC, CBCCVC_SIGNING_CHUNK_ITEMS=1, CBCCVC_SIGNING_TASK_SLICE_SECONDS=0
)
def test_a_batch_longer_than_a_task_goes_on_in_new_tasks(approver, credential, rsa_cred):
    """A task signs for one time slice, then hands the rest to a new task (a batch of 300,000
    profiles outlives the cluster's task timeout): here a slice of 0 s, one chunk per task."""
    ids = [f"0010850001{i:02d}" for i in range(3)]
    batch = start_batch(approver, credential, ids, provider=PROVIDER, pin=rsa_cred.pin)
    batch.refresh_from_db()
    assert batch.status == SigningBatch.Status.DONE
    assert (batch.done, batch.failed) == (3, 0) and set(providers.SIGNED) == set(ids)
    assert batch.sealed_pin is None  # wiped by the task that finished
    tasks = Task.objects.filter(func="signing.tasks.run_batch")
    assert tasks.count() == 3 and all(t.success for t in tasks)


@override_settings(Q_CLUSTER=SYNC, CBCCVC_SIGNING_CHUNK_ITEMS=1)
def test_the_garbage_collector_is_paused_per_chunk_and_collects_after_each(
    approver, credential, rsa_cred
):
    """The cyclic collector is off while chunks are read, signed and stored (it would walk the
    whole heap many times a chunk), the cycles a chunk leaves are collected after it, and the
    collector is on again after the batch."""
    import gc

    providers.COLLECTOR_SEEN.clear()
    assert gc.isenabled()
    ids = [f"0010850000{i:02d}" for i in range(3)]
    batch = start_batch(
        approver, credential, ids, provider="tests.signing.providers.provide_making_cycles",
        pin=rsa_cred.pin,
    )  # fmt: skip
    batch.refresh_from_db()
    assert batch.done == 3
    # off at each store; no cycle of an earlier chunk left when the next one is stored
    assert providers.COLLECTOR_SEEN == [(False, 0), (False, 0), (False, 0)]
    assert gc.isenabled()
