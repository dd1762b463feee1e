"""Field-level encryption at rest for the sensitive data groups (assets and income, health).

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
"""

from __future__ import annotations

import base64
import functools
import os
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"
ENV = "CBCCVC_FIELD_ENCRYPTION_KEY"
_HKDF_INFO = b"cbccvc field encryption v1"


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
        from profiles.signing.keys import _load_master_keys

        return _fernet_for(tuple(_load_master_keys()), True)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f"{ENV} (or the key-encryption key) is not a Fernet key"
        ) from exc


def encrypt(text: str) -> str:
    return PREFIX + field_fernet().encrypt(text.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption; the migration seals these
    try:
        return field_fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            f"An encrypted field does not open with the configured key ({ENV})."
        ) from exc


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
