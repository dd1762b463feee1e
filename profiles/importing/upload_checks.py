"""Every import file goes through :func:`cbccvc.uploads.check_upload` before any parsing.

The wizard, the API and the ``import_profiles`` command all create their job through
:func:`profiles.importing.jobs.start_import`, which calls :func:`check_stored` on each stored
file (size, type by content, zip entry count and ratio, DOCTYPE/ENTITY in the XML parts) and
refuses the whole job before it runs; the task checks again before reading. The uncompressed
size found here decides whether a job runs in the request or as a background task.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from cbccvc.uploads import SPREADSHEET, CheckedUpload, check_upload

from .pipeline import ImportError_
from .readers import max_file_bytes


class UploadRefused(ImportError_):
    """A file that fails the upload checks; the message names the file and says why."""


def check_stored(path: Path | str, name: str) -> CheckedUpload:
    path = Path(path)
    with path.open("rb") as fh:
        try:
            return check_upload(fh, allowed=SPREADSHEET, max_bytes=max_file_bytes())
        except ValidationError as exc:
            raise UploadRefused(f"Tệp “{name}”: {' '.join(exc.messages)}") from None
