#!/usr/bin/env python3
"""A webhook receiver for the styringsdialog: the standard library only.

It verifies each delivery by the Standard Webhooks scheme (docs/integration.md), refuses what
does not verify (401), de-duplicates on webhook-id (delivery is at least once), appends each
new event to a JSON-lines file and answers 204 at once.

    WEBHOOK_SECRET=whsec_... python3 webhook_modtager.py 127.0.0.1:8099 haendelser.jsonl

Put it behind HTTPS on a public address in production; the system sends only there.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
SEEN = set()


def verify(headers, body):
    """The Standard Webhooks check: a recent timestamp and one matching v1 signature."""
    msg_id, ts, sigs = headers.get("webhook-id"), headers.get("webhook-timestamp"), headers.get("webhook-signature")
    if not (msg_id and ts and sigs) or not ts.isdigit() or abs(time.time() - int(ts)) > 300:
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    expected = base64.b64encode(mac).decode()
    return any(hmac.compare_digest(s.removeprefix("v1,"), expected) for s in sigs.split(" "))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if not verify(self.headers, body):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(body)
        if event["id"] not in SEEN:
            SEEN.add(event["id"])
            with open(self.server.log_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(event, ensure_ascii=False) + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), Handler)
    server.log_file = sys.argv[2]
    server.serve_forever()


if __name__ == "__main__":
    main()
