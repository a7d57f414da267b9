"""The SMS and webhook provider of a chaos run: an HTTP server on loopback recording each request."""

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ProviderCall:
    """One request: which channel, under which Idempotency-Key, and whether its signature held."""

    path: str
    idempotency_key: str
    signed: bool


class ProviderSink:
    """Accepts every message (200 with an id), as a provider that honours Idempotency-Key would."""

    def __init__(self, secret: str) -> None:
        self.secret = secret.encode()
        self.calls: list[ProviderCall] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _record(self, path: str, headers: Any, body: bytes) -> None:
        timestamp = headers.get("X-Arflow-Timestamp", "")
        expected = hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(headers.get("X-Arflow-Signature", ""), "sha256=" + expected)
        with self._lock:
            self.calls.append(ProviderCall(path, headers.get("Idempotency-Key", ""), signed))

    def start(self) -> None:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server hook
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                sink._record(self.path, self.headers, body)
                answer = json.dumps({"id": f"chaos-{len(sink.calls)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass  # the calls are recorded; nothing to print

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def snapshot(self) -> list[ProviderCall]:
        with self._lock:
            return list(self.calls)
