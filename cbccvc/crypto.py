"""The installation's one keyring, field-level encryption at rest for the sensitive data
groups (assets and income, health), and the server's marks (HMACs, see :func:`make_mark`).

**The key-encryption key ("master key")** seals the secrets kept in the database (uploaded
PKCS#12 files, a signing batch's PIN while it runs, the national connection secrets):
``CBCCVC_KEY_ENCRYPTION_KEY`` (one Fernet key, or several separated by commas — the first
seals, all open, for rotation), otherwise ``<var dir>/keys/master.key``, created on first use
with mode 0600. :func:`seal` / :func:`unseal` use it; the file is read again only when it
changes.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256) and stored as ``enc1:<token>`` in a
text column. The key is never in the database:

* ``CBCCVC_FIELD_ENCRYPTION_KEY``: one Fernet key, or several separated by commas (the first
  seals, all open: rotate by putting the new key first, then ``manage.py reencrypt_fields``);
* otherwise it is derived (HKDF-SHA256) from the key-encryption key that already seals the
  signing keys (``CBCCVC_KEY_ENCRYPTION_KEY`` or ``var/keys/master.key``), so an installation
  has one secret to keep.

Encrypted columns cannot be searched, ordered or compared in SQL; none of these fields is.
Rows written before encryption (no ``enc1:`` prefix) are read as they are, and the migration
``profiles.00xx_encrypt_sensitive_groups`` seals them.

Copies of the sensitive groups inside JSON documents (the approval snapshots, the before-images
kept to undo a merge) are sealed by :class:`SealedJSONField`: the value under each of its
``sealed_keys``, wherever it occurs in the document, is stored as one ``enc1:`` token of its
JSON; the rest of the document stays plain JSON. In Python the document is always plain.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import tempfile
import threading
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"
ENV = "CBCCVC_FIELD_ENCRYPTION_KEY"
MASTER_KEY_ENV = "CBCCVC_KEY_ENCRYPTION_KEY"
_HKDF_INFO = b"cbccvc field encryption v1"
MARK_PREFIX = "mac1:"


class KeyringError(Exception):
    """The master key is missing or invalid, or does not open the stored data."""


# -- the master key ---------------------------------------------------------------------------
_master_lock = threading.Lock()


def master_key_path() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "keys" / "master.key"


@functools.lru_cache(maxsize=4)
def _keys_in_file(path: str, mtime_ns: int, size: int) -> tuple[bytes, ...]:
    """The keys of the file as it was at (mtime, size): read once, not on every seal."""
    return tuple(line.strip() for line in Path(path).read_bytes().splitlines() if line.strip())


@functools.lru_cache(maxsize=8)
def _key_file_in(var_dir: str) -> str:
    return os.path.join(var_dir, "keys", "master.key")


def master_keys() -> tuple[bytes, ...]:
    """The master keys, newest first: from the environment, else from the key file (created
    on first use; written to a private temporary file, then hard-linked into place, so the
    link fails if another process won the race and nobody reads a half-written key). Called
    on every seal and open: one ``stat`` of the file when it exists."""
    raw = os.environ.get(MASTER_KEY_ENV, "").strip()
    if raw:
        return tuple(k.strip().encode() for k in raw.split(",") if k.strip())
    from django.conf import settings

    path = _key_file_in(str(settings.VAR_DIR))
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        _create_key_file(Path(path))
        stat = os.stat(path)
    return _keys_in_file(path, stat.st_mtime_ns, stat.st_size)


def _create_key_file(path: Path) -> None:
    with _master_lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".master-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(Fernet.generate_key() + b"\n")
                os.chmod(tmp, 0o600)
                try:
                    os.link(tmp, path)
                except FileExistsError:
                    pass
            finally:
                os.unlink(tmp)


@functools.lru_cache(maxsize=4)
def _master_fernet_for(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def master_fernet() -> MultiFernet:
    try:
        return _master_fernet_for(master_keys())
    except (ValueError, TypeError) as exc:
        raise KeyringError(
            f"Khóa mã hóa chính ({MASTER_KEY_ENV} hoặc {master_key_path()}) không hợp lệ."
        ) from exc


def seal(data: bytes) -> bytes:
    """Encrypt ``data`` with the master key."""
    return master_fernet().encrypt(data)


def unseal(token: bytes) -> bytes:
    try:
        return master_fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise KeyringError(
            "Không giải mã được dữ liệu khóa: khóa mã hóa chính đã thay đổi hoặc dữ liệu bị hỏng."
        ) from exc


# -- marks: what this server vouches for ---------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _mark_keys_for(keys: tuple[bytes, ...], purpose: str) -> tuple[bytes, ...]:
    info = b"cbccvc mark v1: " + purpose.encode()
    try:
        return tuple(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
                base64.urlsafe_b64decode(key)
            )
            for key in keys
        )
    except (ValueError, TypeError) as exc:
        raise KeyringError(
            f"Khóa mã hóa chính ({MASTER_KEY_ENV} hoặc {master_key_path()}) không hợp lệ."
        ) from exc


def make_mark(purpose: str, message: bytes) -> str:
    """An HMAC-SHA256 of ``message`` under a key derived (HKDF, one key per ``purpose``) from
    the master key, which is never in the database: a mark that someone who can only write to
    the database cannot make for other data. Stored as ``mac1:<hex>``."""
    key = _mark_keys_for(master_keys(), purpose)[0]
    return MARK_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()


def mark_matches(purpose: str, message: bytes, mark: str | None) -> bool:
    """Whether ``mark`` is :func:`make_mark` of ``message`` under any master key (the older
    keys too, while they are being rotated out). Never raises: a missing, malformed or
    foreign mark is simply not a match."""
    if not mark or not mark.startswith(MARK_PREFIX):
        return False
    try:
        keys = _mark_keys_for(master_keys(), purpose)
    except KeyringError:
        return False
    given = mark[len(MARK_PREFIX) :].encode()
    return any(
        hmac.compare_digest(hmac.new(key, message, hashlib.sha256).hexdigest().encode(), given)
        for key in keys
    )


# -- field encryption ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _fernet_for(keys: tuple[bytes, ...], derived: bool) -> MultiFernet:
    fernets = []
    for key in keys:
        if derived:
            master = base64.urlsafe_b64decode(key)
            key = base64.urlsafe_b64encode(
                HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
                    master
                )
            )
        fernets.append(Fernet(key))
    return MultiFernet(fernets)


def field_fernet() -> MultiFernet:
    raw = os.environ.get(ENV, "").strip()
    try:
        if raw:
            return _fernet_for(
                tuple(k.strip().encode() for k in raw.split(",") if k.strip()), False
            )
        return _fernet_for(master_keys(), True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"{ENV} (or the key-encryption key) is not a Fernet key"
        ) from exc


def encrypt(text: str) -> str:
    return PREFIX + field_fernet().encrypt(text.encode()).decode()


def _open_token(token: bytes) -> bytes:
    try:
        return field_fernet().decrypt(token)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"An encrypted field does not open with the configured key ({ENV})."
        ) from exc


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption; the migration seals these
    return _open_token(stored[len(PREFIX) :].encode()).decode()


def is_encrypted(stored: Any) -> bool:
    return isinstance(stored, str) and stored.startswith(PREFIX)


class _Encrypted:
    """Mixin: the Python value is plain, the column holds ``enc1:<token>`` text."""

    def get_internal_type(self) -> str:
        return "TextField"

    def db_type(self, connection: Any) -> str | None:
        return connection.data_types["TextField"]

    def get_db_converters(self, connection: Any) -> list[Any]:
        # only ours: not the base field's (e.g. the Decimal converter of SQLite)
        return [self.from_db_value]

    def _to_text(self, value: Any) -> str:
        return str(value)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if hasattr(value, "as_sql"):  # an expression (bulk_update's CASE): its values come here
            return value
        value = self.to_python(value)  # type: ignore[attr-defined]
        if value is None or value == "":
            return value
        return encrypt(self._to_text(value))

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.to_python(decrypt(value))  # type: ignore[attr-defined]


class EncryptedTextField(_Encrypted, models.TextField):
    pass


class EncryptedCharField(_Encrypted, models.CharField):
    """A CharField (text input, max_length checked on the plain value) stored encrypted."""


class EncryptedDecimalField(_Encrypted, models.DecimalField):
    def _to_text(self, value: Any) -> str:
        return format(Decimal(value), "f")


class EncryptedBinaryField(models.BinaryField):
    """Bytes stored as ``enc1:`` + a Fernet token; in Python always the plain bytes. Used for
    the signed profile documents, which carry groups 9 and 10 inside the signed XML: the bytes
    that were signed come back unchanged, so signatures verify as before."""

    BYTES_PREFIX = PREFIX.encode()

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is not None and not hasattr(value, "as_sql"):
            value = self.BYTES_PREFIX + field_fernet().encrypt(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        value = bytes(value)
        if not value.startswith(self.BYTES_PREFIX):
            return value  # written before encryption; the migration seals these
        return _open_token(value[len(self.BYTES_PREFIX) :])


# -- sealed keys inside JSON documents ----------------------------------------------------------
def seal_keys(value: Any, keys: Collection[str]) -> Any:
    """A copy of the JSON value ``value`` with the value under each key in ``keys`` (at any
    depth) replaced by an ``enc1:`` token of its compact JSON. Already sealed values, and
    ``None``, stay as they are; ``value`` itself is not changed."""
    if isinstance(value, dict):
        return {k: (_seal_one(v) if k in keys else seal_keys(v, keys)) for k, v in value.items()}
    if isinstance(value, list):
        return [seal_keys(v, keys) for v in value]
    return value


def open_keys(value: Any, keys: Collection[str]) -> Any:
    """The inverse of :func:`seal_keys` (plain values, written before sealing, pass as they
    are)."""
    if isinstance(value, dict):
        return {
            k: (json.loads(decrypt(v)) if k in keys and is_encrypted(v) else open_keys(v, keys))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [open_keys(v, keys) for v in value]
    return value


def _seal_one(value: Any) -> Any:
    if value is None or is_encrypted(value):
        return value
    return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


class SealedJSONField(models.JSONField):
    """A JSON document whose values under ``sealed_keys`` are encrypted at rest (see the
    module docstring). Lookups into a sealed part of the document cannot match."""

    def __init__(self, *args: Any, sealed_keys: Collection[str] = (), **kwargs: Any) -> None:
        self.sealed_keys = tuple(sealed_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["sealed_keys"] = self.sealed_keys
        return name, path, args, kwargs

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        return super().get_db_prep_value(seal_keys(value, self.sealed_keys), connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str) and self.decoder is None:
            # the document as JSON text (the usual case): opened while it is parsed, each
            # object as the parser makes it, instead of walking the parsed document again
            try:
                return json.loads(value, object_hook=self._open_object)
            except json.JSONDecodeError:
                return value
        return open_keys(super().from_db_value(value, expression, connection), self.sealed_keys)

    def _open_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        """:func:`open_keys` of one JSON object whose own objects are already open."""
        for key in self.sealed_keys:
            value = obj.get(key)
            if isinstance(value, str) and value.startswith(PREFIX):
                obj[key] = json.loads(decrypt(value))
        return obj
