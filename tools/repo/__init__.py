"""Read-only, path-confined access to the scanned repository."""
