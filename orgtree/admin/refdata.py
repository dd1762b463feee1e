"""Admin for the administrative-unit reference data (filled in by the reference-data work)."""
