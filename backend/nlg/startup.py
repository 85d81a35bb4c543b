"""Start-up hook: load the catalogs once, from the configured `locales/`, before the first request."""

from __future__ import annotations

from sanic import Sanic

from backend.nlg.catalogs import use_locales_dir


async def start(app: Sanic) -> None:
    use_locales_dir(app.ctx.settings.locales_dir)
