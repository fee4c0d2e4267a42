"""notesvc: a tiny notes/users web service (intentionally vulnerable demo)."""

__version__ = "0.3.1"
