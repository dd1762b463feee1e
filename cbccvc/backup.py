"""Backups of the database: ``pg_dump``/``pg_restore`` for PostgreSQL, the SQLite backup API
for SQLite. Used by ``manage.py backup_db`` and ``manage.py restore_db``.

A PostgreSQL backup is one custom-format dump (``.dump``; compressed, restorable table by
table); restoring replaces every object of the dump in one transaction. A SQLite backup is a
consistent copy made page by page while the app keeps running.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(RuntimeError):
    pass


def _pg_env(alias: str) -> tuple[dict[str, str], list[str], str]:
    db = connections[alias].settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["-h", str(db["HOST"])]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args, str(db["NAME"])


def default_path(alias: str = "default") -> Path:
    vendor = connections[alias].vendor
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    ext = "dump" if vendor == "postgresql" else "sqlite3"
    return Path(settings.VAR_DIR) / "backups" / f"cbccvc-{stamp}.{ext}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup(path: Path | None = None, alias: str = "default") -> Path:
    connection = connections[alias]
    path = Path(path or default_path(alias))
    path.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        env, args, name = _pg_env(alias)
        cmd = ["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args, name]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_dump thất bại: {result.stderr.strip()}")
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu {connection.vendor}.")
    os.chmod(path, 0o600)  # the backup holds everything, sealed fields included
    return path


def restore(path: Path, alias: str = "default") -> None:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {path}.")
    connection = connections[alias]
    if connection.vendor == "postgresql":
        connection.close()  # our own session would block the DROPs
        env, args, name = _pg_env(alias)
        cmd = [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            *args,
            str(path),
        ]
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore thất bại: {result.stderr.strip()}")
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"Không hỗ trợ phục hồi cơ sở dữ liệu {connection.vendor}.")
