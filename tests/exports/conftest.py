"""The export tests build their profiles with the import pipeline's fixtures."""

from tests.importing.conftest import codes

__all__ = ["codes"]
