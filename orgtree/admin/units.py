"""Admin for the org tree (filled in by the tree work)."""
