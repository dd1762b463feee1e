"""Batch signing as a django-q2 background task.

An approver picks many documents, enters the PIN once, and :func:`start_batch` queues
:func:`run_batch`. Documents come from a *provider*: a dotted path to a callable
``provider(item_id) -> (xml_bytes, store)`` where ``store(signed_bytes)`` saves the signed
document (the profiles app plugs in profile versions this way). Each item is signed and stored
in its own transaction; a failing item is recorded in ``SigningBatch.results`` and the batch
goes on.

**The PIN.** The queue (the django-q2 ORM or Redis broker) only ever sees the batch id. The PIN
is sealed with the master key (:func:`profiles.signing.keys.seal`, a key that is not in the
database) into ``SigningBatch.sealed_pin`` while the batch is pending or running, and that
column is set to NULL when the batch ends — success, failure, or a crash inside the task.
A batch whose worker died leaves a sealed PIN behind; :func:`wipe_stale_pins` clears those.

**Running.** In production a worker runs the queue: ``python manage.py qcluster`` (the
``Q_CLUSTER`` settings; the ORM broker needs no extra server). Progress is read from the batch
row (``done``, ``failed``, ``total``, ``progress``). With ``Q_CLUSTER["sync"] = True`` (tests)
the task runs inside :func:`start_batch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.module_loading import import_string

from .credentials import open_signer
from .errors import SigningError
from .keys import seal, unseal
from .models import SigningBatch, SigningCredential
from .xmlsig import sign_document

logger = logging.getLogger(__name__)

Provider = Callable[[Any], tuple[bytes, Callable[[bytes], None]]]
PROGRESS_EVERY = 20  # save the counters every N items (and at the end)
RESULTS_EVERY = 500  # save the per-item results every N items (and at the end)


def _load_provider(path: str) -> Provider:
    try:
        provider = import_string(path)
    except ImportError as exc:
        raise ValidationError(f"Không tìm thấy nguồn tài liệu '{path}'.") from exc
    if not callable(provider):
        raise ValidationError(f"Nguồn tài liệu '{path}' không phải hàm.")
    return provider


def start_batch(
    user: Any,
    credential: SigningCredential,
    item_ids: Iterable[Any],
    *,
    provider: str,
    pin: str,
) -> SigningBatch:
    """Check the PIN opens the key, create the batch and queue it. Returns the batch."""
    ids = [i for i in item_ids]
    if not ids:
        raise ValidationError("Chưa chọn tài liệu nào để ký.")
    if len(set(map(str, ids))) != len(ids):
        raise ValidationError("Danh sách tài liệu cần ký có mục trùng nhau.")
    if credential.owner_id != user.pk:
        raise PermissionDenied("Chỉ người sở hữu khóa mới được dùng khóa này để ký.")
    _load_provider(provider)
    # Fail now, in front of the user, on a wrong PIN or an unusable key.
    open_signer(credential, pin, user=user).close()
    batch = SigningBatch.objects.create(
        created_by=user,
        credential=credential,
        provider=provider,
        item_ids=ids,
        total=len(ids),
        sealed_pin=seal(pin.encode("utf-8")),
    )
    from django_q.tasks import async_task

    # Q_CLUSTER is read here rather than from django_q's import-time Conf, so a settings
    # override (tests) takes effect.
    sync = bool(getattr(settings, "Q_CLUSTER", {}).get("sync", False))

    def enqueue() -> None:
        task_id = async_task(
            "profiles.signing.tasks.run_batch",
            batch.pk,
            task_name=f"ky-so-lo-{batch.pk}",
            sync=sync,
        )
        SigningBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=str(task_id))

    if sync:
        enqueue()
    else:
        transaction.on_commit(enqueue)
    batch.refresh_from_db()
    return batch


def run_batch(batch_id: int) -> dict[str, int]:
    """The task: sign every item of the batch; always wipes the sealed PIN at the end."""
    batch = SigningBatch.objects.select_related("credential", "created_by").get(pk=batch_id)
    if batch.status != SigningBatch.Status.PENDING:
        return {"done": batch.done, "failed": batch.failed}
    SigningBatch.objects.filter(pk=batch.pk).update(
        status=SigningBatch.Status.RUNNING, started_at=datetime.now(UTC)
    )
    batch.status = SigningBatch.Status.RUNNING
    results: dict[str, Any] = dict(batch.results)
    done = failed = 0
    try:
        if not batch.sealed_pin:
            raise SigningError("Mã PIN của lô đã bị xóa; hãy tạo lô mới.")
        pin = unseal(bytes(batch.sealed_pin)).decode("utf-8")
        provider = _load_provider(batch.provider)
        with open_signer(batch.credential, pin, user=batch.created_by) as signer:
            del pin
            for index, item_id in enumerate(batch.item_ids, start=1):
                key = str(item_id)
                try:
                    with transaction.atomic():
                        xml_bytes, store = provider(item_id)
                        signed = sign_document(xml_bytes, signer)
                        store(signed)
                except (SigningError, ValidationError, PermissionDenied, LookupError) as exc:
                    failed += 1
                    results[key] = {"ok": False, "error": _message(exc)}
                except Exception as exc:  # one bad item must not stop the batch
                    logger.exception("signing batch %s: item %s failed", batch.pk, key)
                    failed += 1
                    results[key] = {
                        "ok": False,
                        "error": f"Lỗi không xác định: {type(exc).__name__}",
                    }
                else:
                    done += 1
                    results[key] = {"ok": True, "signed_at": datetime.now(UTC).isoformat()}
                if index % PROGRESS_EVERY == 0:
                    progress: dict[str, Any] = {"done": done, "failed": failed}
                    if index % RESULTS_EVERY == 0:
                        progress["results"] = results
                    SigningBatch.objects.filter(pk=batch.pk).update(**progress)
        status = SigningBatch.Status.DONE if failed == 0 else SigningBatch.Status.DONE_WITH_ERRORS
        error = ""
    except (SigningError, ValidationError, PermissionDenied) as exc:
        status, error = SigningBatch.Status.FAILED, _message(exc)
    except Exception as exc:
        logger.exception("signing batch %s failed", batch.pk)
        status, error = SigningBatch.Status.FAILED, f"Lỗi không xác định: {type(exc).__name__}"
    finally:
        # Whatever happened, the sealed PIN does not outlive the batch.
        SigningBatch.objects.filter(pk=batch.pk).update(sealed_pin=None)
    SigningBatch.objects.filter(pk=batch.pk).update(
        status=status,
        error=error,
        done=done,
        failed=failed,
        results=results,
        finished_at=datetime.now(UTC),
    )
    return {"done": done, "failed": failed}


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or type(exc).__name__


def wipe_stale_pins(older_than: timedelta = timedelta(hours=6)) -> int:
    """Fail batches stuck pending/running for ``older_than`` (dead worker) and wipe their PIN."""
    cutoff = datetime.now(UTC) - older_than
    return SigningBatch.objects.filter(
        created_at__lt=cutoff,
        status__in=[SigningBatch.Status.PENDING, SigningBatch.Status.RUNNING],
    ).update(
        sealed_pin=None,
        status=SigningBatch.Status.FAILED,
        error="Lô bị dừng do tác vụ nền không hoàn thành; mã PIN đã được xóa.",
        finished_at=datetime.now(UTC),
    )
