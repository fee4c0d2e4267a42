"""Unit tests for notesvc (run with: python -m pytest tests)."""
import sqlite3

from app import db, server
from vendor.minitemplate import render

TEST_PASSWORD = "correct-horse-test-only"


def make_db():
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    db.init_schema(conn)
    db.create_user(conn, "alice", password="alice-test-pw")
    return conn


def test_login_accepts_right_password():
    conn = make_db()
    db.create_user(conn, "bob", TEST_PASSWORD)
    assert db.check_login(conn, "bob", TEST_PASSWORD)
    assert not db.check_login(conn, "bob", "wrong")


def test_search_finds_own_notes_only():
    conn = make_db()
    db.add_note(conn, "alice", "groceries", "milk")
    db.add_note(conn, "mallory", "groceries", "eggs")
    titles = [n["body"] for n in db.search_notes(conn, "alice", "groc")]
    assert titles == ["milk"]


def test_session_cookie_roundtrip():
    cookie = "session=" + server.sign("alice")
    assert server.user_from_cookie(cookie) == "alice"
    assert server.user_from_cookie("session=alice.forged") is None


def test_render_escapes_html():
    out = render("<b>{{ title }}</b>", {"title": "<script>"})
    assert out == "<b>&lt;script&gt;</b>"
