"""``dealloop serve``: the local dashboard and its JSON API."""

from __future__ import annotations

from typing import Annotated

import typer

from ..cli import DataOpt, _err, _load, app


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

    net = _load(data)
    loopback = _is_loopback(host)
    if not loopback:
        _err(f"Warning: listening on {host}, not on this machine only: anyone who can reach "
             f"port {port} can read the dashboard and run scenarios. There is no "
             "authentication; use --host 127.0.0.1 unless you mean to share it.")
    app_ = create_app(net, allowed_hosts=LOOPBACK_HOSTS if loopback else None)
    shown = f"[{host}]" if ":" in host else host
    _err(f"dealloop dashboard on http://{shown}:{port}/ (API docs at /docs); Ctrl-C to stop")
    uvicorn.run(app_, host=host, port=port, log_level="warning", server_header=False,
                proxy_headers=False)
