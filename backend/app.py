"""Application factory. Nothing happens at import time; resources live on app.ctx."""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import HTTPResponse, JSONResponse, json
from sqlalchemy.ext.asyncio import AsyncEngine

from backend.config import Settings
from backend.db import create_engine, create_session_factory
from backend.errors import DomainError
from backend.limits.address import proxy_config
from backend.logging_setup import configure_logging
from backend.migrations.runner import current_revision, head_revision

# Each module exposes `bp` (a Blueprint or BlueprintGroup). Add one line per feature.
BLUEPRINTS: list[str] = [
    "backend.api.health",
    "backend.api.internal",
    "backend.api.nlg",
    "backend.api.internal_messages",
    "backend.api.internal_drafts",
    "backend.inbox.machine_api",
    "backend.inbox.api",
    "backend.inbox.casework_api",
    "backend.inbox.documents_api",
    "backend.inbox.pages",
    "backend.inbox.admin_pages",
    "backend.inbox.casework_pages",
    "backend.inbox.documents_pages",
    "backend.channels.web",
    "backend.channels.web_attachments",
    "backend.channels.sms",
    "backend.channels.telegram",
    "backend.channels.binding",
    "backend.channels.dev",
    "backend.channels.dev_media",
    "backend.auth.login",
    "backend.auth.dev_login",
    "backend.auth.eid",
    "backend.web.pages",
    "backend.web.design",
]

WORKER_BLUEPRINTS: list[str] = ["backend.api.health"]

# Modules exposing `async def start(app)` / `async def stop(app)` for background work (outbox, scheduler).
BACKGROUND: list[str] = ["backend.outbox.worker", "backend.channels.inbound", "backend.scheduler"]


def create_app(settings: Settings | None = None, *, name: str = "inissiaq", worker: bool = False) -> Sanic:
    """The web application, or with `worker=True` the background process (`backend.worker`): only
    `/healthz` and the background hooks, without the demo-data hooks the web instance runs."""
    settings = settings or Settings.from_env()
    app = Sanic(name)
    configure_logging(settings.log_level)  # after Sanic(): its constructor replaces Sanic's handlers
    app.config.REQUEST_MAX_SIZE = 256 * 1024
    app.config.KEEP_ALIVE_TIMEOUT = 30
    app.config.update(proxy_config(settings))  # which proxy headers say who the client is
    app.ctx.settings = settings
    app.ctx.logger = logging.getLogger("inissiaq")
    register_error_handlers(app)

    for module_name in WORKER_BLUEPRINTS if worker else BLUEPRINTS:
        app.blueprint(importlib.import_module(module_name).bp)
    hooks_of = [m for m in STARTUP if not (worker and m in DEMO_DATA)] + BACKGROUND

    @app.before_server_start
    async def _open(app: Sanic) -> None:
        app.ctx.engine = create_engine(settings.async_database_url)
        app.ctx.sessions = create_session_factory(app.ctx.engine)
        # A web instance starts before `inissiaq db upgrade` has run, too (it answers /readyz with
        # 503 meanwhile); the demo data it loads needs the schema, so it waits for the migration.
        later = [] if worker or await schema_is_current(app.ctx.engine) else DEMO_DATA
        for hook in _hooks([m for m in hooks_of if m not in later], "start"):
            await hook(app)
        if later:
            # A function, not a coroutine: Sanic calls it with the app once the loop runs, so nothing
            # is left unawaited when the instance stops before that (as under the ASGI test client).
            app.add_task(
                functools.partial(_after_migration, hooks=_hooks(later, "start")), name="after_migration"
            )

    @app.before_server_stop
    async def _cancel_tasks(app: Sanic) -> None:
        # Sanic's own clean-up cancels the app's tasks after the loop has stopped and then waits for
        # them without running the loop: it spins at full CPU for ever. End them here, loop running.
        tasks = [task for task in app.tasks if task.get_name() != "RunServer" and not task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        app.purge_tasks()

    @app.after_server_stop
    async def _close(app: Sanic) -> None:
        for hook in reversed(_hooks(hooks_of, "stop")):
            await hook(app)
        await app.ctx.engine.dispose()

    @app.on_request
    async def _open_session(request: Request) -> None:
        request.ctx.db = request.app.ctx.sessions()

    @app.on_response
    async def _close_session(request: Request, response: HTTPResponse) -> None:
        db = getattr(request.ctx, "db", None)
        if db is not None:
            await db.close()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")

    return app


def register_error_handlers(app: Sanic) -> None:
    """Domain errors (backend/errors.py) answer with their status and code; Sanic's own with theirs."""

    @app.exception(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return json(exc.body(), status=exc.status, headers=exc.headers())

    @app.exception(SanicException)
    async def _sanic(request: Request, exc: SanicException) -> JSONResponse:
        status = getattr(exc, "status_code", 500) or 500
        return json({"error": "http_error", "message": str(exc)}, status=status)

    @app.exception(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        app.ctx.logger.exception("unhandled error on %s %s", request.method, request.path)
        return json({"error": "internal_error", "message": "internal error"}, status=500)


async def schema_is_current(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current_revision) == head_revision()
    except Exception:  # the database may not answer yet
        return False


async def _after_migration(app: Sanic, hooks: list) -> None:
    while True:  # another process migrates: poll the database
        if await schema_is_current(app.ctx.engine):
            break
        await asyncio.sleep(1)
    for hook in hooks:
        await hook(app)


def _hooks(modules: list[str], kind: str) -> list:
    hooks = []
    for module_name in modules:
        hook = getattr(importlib.import_module(module_name), kind, None)
        if hook is not None:
            hooks.append(hook)
    return hooks


# Modules with start/stop hooks that every process needs (catalogs, HTTP clients, demo data).
STARTUP: list[str] = [
    "backend.registers.startup",
    "backend.nlg.startup",
    "backend.inbox.demo",
    "backend.messaging.notifications",
    "backend.channels.rasa_client",
    "backend.auth.eid",
    "backend.limits",
]

# Start-up hooks that load demo data: the web instances run them, the worker process does not.
DEMO_DATA: list[str] = ["backend.registers.startup", "backend.inbox.demo"]
