"""The emulator's HTTP server: a threaded WSGI server (Django's own, as ``runserver`` uses)
serving the emulator's URLconf, with the fault injection of :mod:`.faults` applied per request.

Used by ``python manage.py national_emulator`` and by the ``national_server`` test fixture
(:class:`EmulatorThread`). With ``tls=(certfile, keyfile)`` it serves HTTPS (TLS 1.2 or later);
the handshake runs in the connection's own thread, so a client that never finishes it holds
up no one else.
"""

from __future__ import annotations

import io
import json
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections

from .. import contract
from .faults import Fault
from .state import state

URLCONF = "syncing.emulator.urls"
FAULT_ENV = "national.fault"


class EmulatorWSGIHandler(WSGIHandler):
    """Django's WSGI handler on the emulator's URLconf, applying the request's fault."""

    def get_response(self, request: Any) -> Any:
        request.urlconf = URLCONF
        return super().get_response(request)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        fault: Fault | None = environ.get(FAULT_ENV)
        if fault is None or not fault.any:
            return super().__call__(environ, start_response)
        if fault.latency:
            time.sleep(fault.latency)
        if fault.error:
            return _problem(start_response, "unavailable", "Lỗi giả lập (fault injection).")
        if fault.timeout:
            time.sleep(fault.timeout)
        if fault.error_after:
            response = super().__call__(environ, lambda *args, **kwargs: None)
            for _ in response:  # processed and committed; the answer is lost
                pass
            if hasattr(response, "close"):
                response.close()
            return _problem(start_response, "internal_error", "Lỗi giả lập sau khi đã xử lý.")
        return super().__call__(environ, start_response)


def _problem(start_response: Any, code: str, detail: str) -> list[bytes]:
    body = json.dumps(contract.problem(code, detail), ensure_ascii=False).encode()
    status = contract.ERROR_CODES[code].status
    reason = {500: "Internal Server Error", 503: "Service Unavailable"}[status]
    headers = [("Content-Type", contract.PROBLEM_CONTENT_TYPE), ("Content-Length", str(len(body)))]
    if status == 503:
        headers.append(("Retry-After", "1"))
    start_response(f"{status} {reason}", headers)
    return [body]


class EmulatorRequestHandler(WSGIRequestHandler):
    """Draws each request's fault; a "drop" runs the request, then closes the socket without
    sending the answer (the client sees the connection cut).

    ``TCP_NODELAY``: the WSGI handler writes the status and headers, then the body, in two
    sends; with Nagle's algorithm the body waited for the client's delayed ACK of the headers
    (40 ms on Linux) on every answer of a kept-alive connection."""

    disable_nagle_algorithm = True

    def handle_one_request(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        fault = state.faults.decide(urlsplit(self.path).path)
        environ = self.get_environ()
        if isinstance(self.connection, ssl.SSLSocket):
            environ["HTTPS"] = "on"
        environ[FAULT_ENV] = fault
        out = io.BytesIO() if fault.drop else self.wfile
        handler = ServerHandler(self.rfile, out, self.get_stderr(), environ)
        handler.request_handler = self
        handler.run(self.server.get_app())
        if fault.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "quiet", False):
            return
        super().log_message(format, *args)


class EmulatorServer(ThreadedWSGIServer):
    """Django's threaded WSGI server, counting its request threads so that a stop can wait
    for them (they share the test's in-memory database connections)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.active: dict[threading.Thread, socket.socket] = {}
        self._active_lock = threading.Lock()
        self.ssl_context: ssl.SSLContext | None = None

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is not None:
            try:
                request.settimeout(HANDSHAKE_TIMEOUT)
                request = self.ssl_context.wrap_socket(request, server_side=True)
                request.settimeout(None)
            except (OSError, ssl.SSLError):  # the client gave up or refused our certificate
                self.shutdown_request(request)
                return
        me = threading.current_thread()
        with self._active_lock:
            self.active[me] = request
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._active_lock:
                self.active.pop(me, None)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait for the request threads to end, first ending the kept-alive connections that
        are only waiting for a next request (a client the caller never closed): their thread
        would otherwise outlive the stop and close a shared connection from the wrong thread."""
        with self._active_lock:
            requests = list(self.active.values())
        for request in requests:
            try:
                # the next read sees the end; answers still go. socket.socket's own shutdown:
                # an SSLSocket's would drop its TLS state under the reading thread.
                socket.socket.shutdown(request, socket.SHUT_RD)
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.01)


HANDSHAKE_TIMEOUT = 10.0


def server_ssl_context(certfile: str, keyfile: str) -> ssl.SSLContext:
    """TLS 1.2 or later with the given certificate (chain) and key, both PEM files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    return context


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    quiet: bool = False,
    connections_override: dict[str, Any] | None = None,
    tls: tuple[str, str] | None = None,
) -> EmulatorServer:
    """The emulator's server; ``tls=(certfile, keyfile)`` makes it serve HTTPS."""
    server = EmulatorServer(
        (host, port),
        EmulatorRequestHandler,
        ipv6=":" in host,
        allow_reuse_address=True,
        connections_override=connections_override,
    )
    server.daemon_threads = True
    server.quiet = quiet
    server.set_app(EmulatorWSGIHandler())
    if tls is not None:
        server.ssl_context = server_ssl_context(*tls)
    return server


class EmulatorThread(threading.Thread):
    """The emulator serving in a background thread (tests, benchmarks)."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: tuple[str, str] | None = None
    ) -> None:
        super().__init__(daemon=True, name="national-emulator")
        # In-memory SQLite test databases are shared with the server's threads, as Django's
        # LiveServerThread does.
        self.connections_override = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in self.connections_override.values():
            conn.inc_thread_sharing()
        self.server = make_server(
            host, port, quiet=True, connections_override=self.connections_override, tls=tls
        )
        self.host, self.port = self.server.server_address[:2]

    @property
    def url(self) -> str:
        scheme = "https" if self.server.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def run(self) -> None:
        try:
            self.server.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.join(timeout=5)
        self.server.wait_idle()
        for conn in self.connections_override.values():
            conn.dec_thread_sharing()
