"""Models of the profiles app. Signing models live in :mod:`profiles.signing.models`."""

from .signing.models import *  # noqa: F403
from .signing.models import __all__ as _signing_all

__all__ = [*_signing_all]
