"""Errors raised by the signing engine. Every message is Vietnamese and meant for the user."""

from __future__ import annotations


class SigningError(Exception):
    """Signing could not be done; ``str(exc)`` is a message for the user."""

    code = "signing_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class WrongPin(SigningError):
    code = "wrong_pin"

    def __init__(self, message: str = "Mã PIN không đúng hoặc tệp khóa bị hỏng.") -> None:
        super().__init__(message)


class UnusableKey(SigningError):
    """The key or certificate cannot be used for signing (algorithm, size, validity, usage)."""

    code = "unusable_key"


class TokenError(SigningError):
    """The PKCS#11 token is missing, locked, or refused an operation."""

    code = "token_error"


class KeyEncryptionError(SigningError):
    """The master key is missing or does not open the stored data."""

    code = "key_encryption_error"
