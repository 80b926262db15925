"""``dealloop serve``: the local dashboard and its JSON API."""

from __future__ import annotations

import errno
from typing import Annotated, Any

import typer

from ._common import DataOpt, err, fail, load_network


def _bind(host: str, port: int) -> Any:
    """A socket bound to HOST:PORT, or a clear message and exit code: 2 for a host name that
    does not resolve, 1 for a port that is taken or not allowed."""
    import socket

    shown = _shown(host)
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        fail(f"Error: --host {host!r}: {getattr(exc, 'strerror', None) or exc}", 2)
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        hint = "; pick another with --port" if exc.errno == errno.EADDRINUSE else ""
        fail(f"Error: cannot listen on {shown}:{port}: {exc.strerror or exc}{hint}")
    return sock


def _shown(host: str) -> str:
    """``host`` as it goes in a URL: an IPv6 address in one pair of brackets.

    Examples
    --------
    >>> _shown("::1"), _shown("[::1]"), _shown("127.0.0.1")
    ('[::1]', '[::1]', '127.0.0.1')
    """
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare


def _server(config: Any) -> Any:
    """A uvicorn server that stops on Ctrl-C or SIGTERM and returns, quietly.

    uvicorn re-raises the signal once it has shut down, which lands as a KeyboardInterrupt
    inside the event loop's teardown and prints a traceback in some runs; here the signal
    only asks the server to stop.
    """
    import contextlib
    import signal
    import threading

    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            sigs = (signal.SIGINT, signal.SIGTERM)
            old = {sig: signal.signal(sig, self.handle_exit) for sig in sigs}
            try:
                yield
            finally:
                for sig, handler in old.items():
                    signal.signal(sig, handler)

    return Server(config)


def check_bundle(app_: Any) -> str | None:
    """Compute the dashboard's results once, before serving; why they cannot be computed, or
    ``None``. A dataset the dashboard cannot compute is refused at start-up instead of
    answering 500 on every page."""
    try:
        app_.state.dealloop.bundle  # noqa: B018 - cached on first use
        app_.state.dealloop.entity_index  # noqa: B018
    except (ValueError, ArithmeticError, KeyError, TypeError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    return None


def serve(
    data: DataOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Keep the default "
                                      "unless you mean to share the dashboard.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=1, max=65535,
                                      help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard (graph explorer, firms, loops, scenario runs) and its JSON API on
    http://HOST:PORT; OpenAPI docs at /docs. Stop with Ctrl-C."""
    import uvicorn

    from ..web.app import create_app
    from ..web.security import LOOPBACK_HOSTS, is_loopback

    if not host.strip():
        fail("Error: --host must not be empty (use 127.0.0.1, or 0.0.0.0 to share)", 2)
    sock = _bind(host, port)  # before the slow part: a taken port fails at once
    net = load_network(data)
    loopback = is_loopback(host)
    if not loopback:
        err(f"Warning: listening on {host}, not on this machine only: anyone who can reach "
             f"port {port} can read the dashboard and run scenarios. There is no "
             "authentication; use --host 127.0.0.1 unless you mean to share it.")
    app_ = create_app(net, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    why = check_bundle(app_)
    if why is not None:
        sock.close()
        fail(f"Error: cannot serve {data or 'the bundled dataset'}: its results cannot be "
              f"computed ({why}); nothing served")
    err(f"dealloop dashboard on http://{_shown(host)}:{port}/ (API docs at /docs); "
         "Ctrl-C to stop")
    config = uvicorn.Config(app_, host=host.strip("[]"), port=port, log_level="warning",
                            server_header=False, proxy_headers=False)
    try:
        _server(config).run(sockets=[sock])
    finally:
        sock.close()
    err("dashboard stopped")
