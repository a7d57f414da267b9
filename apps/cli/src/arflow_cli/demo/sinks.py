"""Where the demo's messages land: an SMTP server and an SMS/webhook provider on loopback, writing files."""

import itertools
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    """Nothing listens on host:port right now."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailFolder:
    """aiosmtpd handler: every message accepted is written to `folder` as an .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.received = len(list(self.folder.glob("*.eml")))
        self._numbers = itertools.count(self.received + 1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        content: bytes = envelope.original_content or envelope.content
        recipient = (envelope.rcpt_tos or ["unknown"])[0].replace("/", "_").replace("@", "_at_")
        path = self.folder / f"{next(self._numbers):05d}-{recipient}.eml"
        path.write_bytes(content)
        self.received += 1
        return "250 Message accepted for delivery"


class SmtpSink:
    """A local SMTP server (aiosmtpd, loopback only) that keeps every mail as a file."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.handler = MailFolder(folder)
        self._controller: Any = None

    def start(self) -> None:
        try:
            from aiosmtpd.controller import Controller
        except ImportError as error:  # aiosmtpd comes with the development dependencies
            raise SystemExit(
                "the demo's mail sink needs aiosmtpd: uv sync (or pip install aiosmtpd)"
            ) from error
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class ProviderSink:
    """The SMS/webhook provider API of docs/notifications.md: answers 200 and an id, keeps a file each.

    A plain threaded HTTP server, so it serves whatever event loop (or none) its owner runs.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.received = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else 0  # type: ignore[return-value]

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = json.dumps({"id": sink.keep(self.path.strip("/") or "message", body)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
                pass  # the files are the log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="provider-sink", daemon=True)
        self._thread.start()

    def keep(self, channel: str, body: bytes) -> str:
        """Write one message to a file; returns its receipt id."""
        with self._lock:
            self.received += 1
            number = self.received
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = {"raw": body.decode("utf-8", "replace")}
        (self.folder / f"{number:05d}-{channel}.json").write_text(
            json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        return f"demo-{channel}-{number}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, channel: str) -> str:
        return f"http://127.0.0.1:{self.port}/{channel}"
