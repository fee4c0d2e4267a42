"""Exploit intelligence from local snapshots that record their source and date."""
