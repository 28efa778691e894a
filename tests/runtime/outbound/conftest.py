"""A real local HTTP server that records every request line it receives (a refused connection must
leave it empty) and answers 200, or a redirect when ``redirect_to`` is set."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Recorder:
    port: int = 0
    requests: list[str] = field(default_factory=list)
    redirect_to: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def recorder():
    made = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def parse_request(self) -> bool:  # called for any bytes received, even a TLS hello
            made.requests.append(self.raw_requestline.decode("latin-1").strip())
            return super().parse_request()

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(302 if made.redirect_to else 200)
            if made.redirect_to:
                self.send_header("Location", made.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    made.port = server.server_port
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield made
    server.shutdown()
    server.server_close()
