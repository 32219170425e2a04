"""A webhook receiver for deploy/smoke.sh: checks the Standard Webhooks signature the
tracker's webhook channel sends, and appends each verified body to a file.

    python deploy/smoke_webhook.py PORT OUTFILE      (secret in WEBHOOK_SECRET)

A request with a missing or wrong signature, or a timestamp more than 5 minutes off,
gets 401 and is written to OUTFILE.rejected instead, so the smoke run can tell a
delivery that arrived unsigned from one that never came.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300  # seconds


def expected_signature(secret: str, msg_id: str, stamp: str, body: bytes) -> str:
    """base64(HMAC-SHA256(secret, "id.timestamp.body")), secret given as whsec_<base64>."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def verified(secret: str, headers: dict[str, str], body: bytes) -> str:
    """ "" when the request is genuine, else why not."""
    msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not stamp.isdigit():
        return "missing webhook-id or webhook-timestamp"
    if abs(time.time() - int(stamp)) > TOLERANCE:
        return "timestamp outside the tolerance"
    expected = expected_signature(secret, msg_id, stamp, body)
    offered = [s.partition(",") for s in headers.get("webhook-signature", "").split()]
    if not any(v == "v1" and hmac.compare_digest(sig, expected) for v, _, sig in offered):
        return "no matching signature"
    return ""


def main() -> None:
    port, outfile = int(sys.argv[1]), sys.argv[2]
    secret = os.environ["WEBHOOK_SECRET"]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            why = verified(secret, headers, body)
            record = {"path": self.path, "id": headers.get("webhook-id"), "body": json.loads(body or b"{}")}
            with open(outfile + (".rejected" if why else ""), "a", encoding="utf-8") as f:
                f.write(json.dumps(record | {"why": why}, ensure_ascii=False) + "\n")
            self.send_response(401 if why else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": false}' if why else b'{"ok": true}')

        def log_message(self, format: str, *args: object) -> None:
            sys.stderr.write("webhook: " + format % args + "\n")

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
