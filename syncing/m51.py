"""The "M51" test sync: 1–10 profiles sent to the national test endpoint, which validates
them in full and answers per profile without storing anything (Sept 2025 urging letter:
agencies not yet connected must test-sync 1–10 profiles via "API M51")."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from profiles.models import Profile, ProfileSignature, VersionStatus

from . import contract
from .client import KeyRevoked, NationalError
from .destinations import NationalAdapter, adapter_for
from .models import Connection, Destination, TestSyncRun
from .queue import connection_for


def _latest_signed(profile: Profile) -> Any:
    return (
        profile.versions.filter(status__in=[VersionStatus.SIGNED, VersionStatus.SYNCED])
        .order_by("-number")
        .first()
    )


def run_test_sync(profiles: Iterable[Profile], user: Any) -> TestSyncRun:
    """Send the latest signed version of each profile to M51; store and return the answers.
    The caller passes profiles already limited to the user's scope."""
    profiles = list(profiles)
    if not contract.M51_MIN <= len(profiles) <= contract.M51_MAX:
        raise ValidationError(
            f"Gửi thử M51 nhận từ {contract.M51_MIN} đến {contract.M51_MAX} hồ sơ; "
            f"đã chọn {len(profiles)}."
        )
    conns = {connection_for(p.unit, Destination.NATIONAL) for p in profiles}
    if None in conns:
        raise ValidationError("Có hồ sơ thuộc cơ quan chưa có kết nối tới CSDL quốc gia.")
    if len(conns) > 1:
        raise ValidationError("Các hồ sơ gửi thử phải cùng một cơ quan (một khóa kết nối).")
    conn: Connection = conns.pop()
    results: list[dict[str, Any]] = []
    to_send = []
    for profile in profiles:
        version = _latest_signed(profile)
        signature = ProfileSignature.objects.filter(version=version).first() if version else None
        row = {
            "profile_id": profile.pk,
            "full_name": profile.full_name,
            "personal_id": profile.personal_id,
            "version": version.number if version else None,
        }
        if signature is None:
            row.update(status="not_sent", message="Hồ sơ chưa có phiên bản đã ký số: không gửi.")
        else:
            to_send.append((row, version, bytes(signature.signed_document)))
        results.append(row)
    run = TestSyncRun(connection=conn, created_by=user if user.is_authenticated else None)
    if conn.is_revoked:
        run.error = conn.status_message
    elif to_send:
        adapter = adapter_for(conn)
        assert isinstance(adapter, NationalAdapter)
        try:
            answer = adapter.test_sync([adapter.build_item(v, doc) for _, v, doc in to_send])
        except KeyRevoked as exc:
            from .sender import record_revoked

            record_revoked(conn, exc)
            run.error = conn.status_message
        except NationalError as exc:
            run.error = f"CSDL quốc gia trả lời lỗi: {exc.message}"
        else:
            for (row, _, _), res in zip(to_send, answer["results"], strict=True):
                row.update(
                    status=res.status,
                    code=res.code,
                    message=res.message,
                    problems=[
                        {"field": str(p.get("field", "")), "message": str(p.get("message", p))}
                        for p in res.problems
                    ],
                )
            run.ok = True
        finally:
            adapter.close()
    else:
        run.error = "Không có hồ sơ nào đã ký số để gửi thử."
    run.results = results
    run.save()
    return run
