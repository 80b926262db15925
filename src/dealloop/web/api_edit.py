"""``/api/legs``: the legs, and the "add a leg" form's route (loopback dashboards only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from .security import LOOPBACK_HOSTS, host_name, is_loopback
from .state import AppState

__all__ = ["LegRequest", "register_edit_api"]

_TEXT = Field(None, max_length=2000)
_SHORT = Field(None, max_length=128)


class LegRequest(BaseModel):
    """Body of ``POST /api/legs``: the columns of ``deals.csv`` and, for a new document, its
    ``url`` (and ``publisher``, ``title``, ``date``)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = _SHORT
    payer: str = Field(..., min_length=1, max_length=128)
    payee: str = Field(..., min_length=1, max_length=128)
    kind: str = Field(..., min_length=1, max_length=64)
    amount_usd_bn: float | None = Field(None, ge=0, le=1e6)
    amount_low: float | None = Field(None, ge=0, le=1e6)
    amount_high: float | None = Field(None, ge=0, le=1e6)
    basis: str = Field("reported", max_length=32)
    status: str = Field(..., min_length=1, max_length=32)
    condition: str | None = _TEXT
    announced: str | None = Field(None, max_length=10)
    start: str | None = Field(None, max_length=10)
    end: str | None = Field(None, max_length=10)
    evidence: str = Field(..., min_length=1, max_length=1)
    sources: str | None = Field(None, max_length=500)
    notes: str | None = _TEXT
    url: str | None = Field(None, max_length=2000)
    publisher: str | None = _SHORT
    title: str | None = Field(None, max_length=500)
    date: str | None = Field(None, max_length=10)


def _may_write(state: AppState, request: Request) -> None:
    """Only a dashboard bound to this machine, asked from this machine, on a user copy."""
    from ..userdata import is_bundled

    local = state.allowed_hosts is not None and state.allowed_hosts <= {
        h.strip("[]").lower() for h in LOOPBACK_HOSTS}
    client = request.client.host if request.client else ""
    origin = request.headers.get("origin")
    if not local or not is_loopback(client) or (
            origin and not is_loopback(host_name(origin.split("://", 1)[-1]))):
        raise HTTPException(403, "adding legs works only on a dashboard that serves this "
                                 "machine only (dealloop serve, default host)")
    path = state.net.path
    if path is None or is_bundled(path):
        raise HTTPException(409, "the bundled dataset is read-only: make your own copy with "
                                 "'dealloop add-leg --data FOLDER ...' and serve it with "
                                 "'dealloop serve --data FOLDER'")


def register_edit_api(app: FastAPI, state: AppState) -> None:
    """Add ``GET /api/legs`` and ``POST /api/legs`` to ``app``."""

    @app.get("/api/legs", tags=["network"], summary="Every deal leg")
    def legs() -> dict[str, Any]:
        """The legs of the dataset (as in the report), its version and whether new legs can
        be added here (``writable``: a user copy served on this machine only)."""
        from ..userdata import is_bundled

        path = state.net.path
        return {"dataset": state.bundle["dataset"], "legs": state.bundle["legs"],
                "writable": path is not None and not is_bundled(path)
                and state.allowed_hosts is not None}

    @app.post("/api/legs", tags=["network"], summary="Add a deal leg to the served copy")
    def add(request: Request, req: Annotated[LegRequest, Body()]) -> dict[str, Any]:
        """Validate the leg (every problem as ``file:row: field: message``, nothing written)
        and append it, with its source, to the served user copy; its version is bumped and
        the dashboard reloads it. Refused for the bundled data and off this machine."""
        from ..data.problems import DataError
        from ..network import load
        from ..userdata import add_leg

        _may_write(state, request)
        folder = state.net.path
        assert folder is not None  # checked by _may_write
        fields = req.model_dump()
        source = {k: fields.pop(k) for k in ("url", "publisher", "title", "date")}
        try:
            done = add_leg(folder, fields,
                           source=source if source["url"] else None)  # type: ignore[arg-type]
        except DataError as exc:
            problems = [str(p) for p in exc.problems]
            raise HTTPException(422, "; ".join(problems)) from None
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        state.reload(load(folder))
        return {**done.to_dict(), "dataset": state.bundle["dataset"]}
