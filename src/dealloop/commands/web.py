"""``dealloop serve``: the local dashboard and its JSON API."""

from __future__ import annotations

import errno
from typing import Annotated, Any

import typer

from ..cli import DataOpt, _err, _fail, _load, app


def _bind(host: str, port: int) -> Any:
    """A socket bound to HOST:PORT, or a clear message and exit code: 2 for a host name that
    does not resolve, 1 for a port that is taken or not allowed."""
    import socket

    shown = f"[{host}]" if ":" in host else host
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        _fail(f"Error: --host {host!r}: {getattr(exc, 'strerror', None) or exc}", 2)
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        hint = "; pick another with --port" if exc.errno == errno.EADDRINUSE else ""
        _fail(f"Error: cannot listen on {shown}:{port}: {exc.strerror or exc}{hint}")
    return sock


@app.command()
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

    from ..web.app import LOOPBACK_HOSTS, _is_loopback, create_app

    if not host.strip():
        _fail("Error: --host must not be empty (use 127.0.0.1, or 0.0.0.0 to share)", 2)
    sock = _bind(host, port)  # before the slow part: a taken port fails at once
    net = _load(data)
    loopback = _is_loopback(host)
    if not loopback:
        _err(f"Warning: listening on {host}, not on this machine only: anyone who can reach "
             f"port {port} can read the dashboard and run scenarios. There is no "
             "authentication; use --host 127.0.0.1 unless you mean to share it.")
    app_ = create_app(net, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    _err(f"dealloop dashboard on http://{shown}:{port}/ (API docs at /docs); Ctrl-C to stop")
    config = uvicorn.Config(app_, host=host, port=port, log_level="warning",
                            server_header=False, proxy_headers=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
