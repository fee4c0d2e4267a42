"""Runtime settings for notesvc.

DEMO ONLY: the secrets below are fake and exist to exercise scanners.
"""
import os

DATA_DIR = os.environ.get("NOTESVC_DATA", os.path.join(os.getcwd(), "data"))
DB_PATH = os.path.join(DATA_DIR, "notes.db")
ATTACHMENT_DIR = os.path.join(DATA_DIR, "attachments")
EXPORT_DIR = os.path.join(DATA_DIR, "exports")

# Name of the HTML form field that carries the password (not a secret).
PASSWORD_FORM_FIELD = "password"

# Signing key for session cookies, committed straight into the source.
SECRET_KEY = "hunter2-demo-not-a-real-secret"

# Bootstrap admin account created on first start.
ADMIN_USER = "admin"
ADMIN_PASSWORD = "hunter2-demo-admin-not-real"
