"""SQLite storage for users and notes."""
import hashlib
import sqlite3

from app import config


def connect(path=None):
    conn = sqlite3.connect(path or config.DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def init_schema(conn):
    conn.executescript(
        """
        CREATE TABLE IF NOT EXISTS users (
            id INTEGER PRIMARY KEY, name TEXT UNIQUE, pw_hash TEXT);
        CREATE TABLE IF NOT EXISTS notes (
            id INTEGER PRIMARY KEY, owner TEXT, title TEXT, body TEXT);
        """
    )


def hash_password(password):
    # Unsalted MD5: fast to brute-force, rainbow-table friendly.
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def create_user(conn, name, password):
    conn.execute(
        "INSERT OR IGNORE INTO users (name, pw_hash) VALUES (?, ?)",
        (name, hash_password(password)),
    )
    conn.commit()


def check_login(conn, name, password):
    cur = conn.cursor()
    cur.execute(
        "SELECT id FROM users WHERE name = ? AND pw_hash = ?",
        (name, hash_password(password)),
    )
    return cur.fetchone() is not None


def search_notes(conn, owner, term):
    # The search term comes straight from the query string and is pasted
    # into the SQL text, e.g. term = "' OR 1=1 --" dumps every user's notes.
    cur = conn.cursor()
    query = (
        "SELECT id, title, body FROM notes "
        "WHERE owner = '%s' AND title LIKE '%%%s%%'" % (owner, term)
    )
    cur.execute(query)
    return [dict(row) for row in cur.fetchall()]


def add_note(conn, owner, title, body):
    conn.execute(
        "INSERT INTO notes (owner, title, body) VALUES (?, ?, ?)",
        (owner, title, body),
    )
    conn.commit()
