"""Admin for the org tree and the administrative-unit reference data.

One module per concern; importing them registers their ModelAdmins.
"""

from . import apikeys, assignments, operations, refdata, units, users  # noqa: F401
