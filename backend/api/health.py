"""Liveness (`/healthz`) and readiness (`/readyz`), on the web instances and on the worker.

`/healthz` answers 200 while the process answers at all (a supervisor restarts it otherwise);
`/readyz` answers 200 only when the instance can serve and 503 with JSON naming what is down
(backend/readiness.py); a load balancer sends traffic only to ready instances. Neither shows data.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from backend import readiness

bp = Blueprint("health")


@bp.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    return json({"status": "ok"})


@bp.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    state = await readiness.check(request.app)
    return json(state.as_json(), status=200 if state.ready else 503)
