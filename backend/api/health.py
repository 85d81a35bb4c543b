"""Liveness and readiness."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json
from sqlalchemy import text

bp = Blueprint("health")


@bp.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    try:
        await request.ctx.db.execute(text("SELECT 1"))
    except Exception:
        return json({"status": "unavailable", "database": "down"}, status=503)
    return json({"status": "ok", "database": "ok"})
