"""Start-up hook: load the catalogs once, from the configured `locales/`, before the first request."""

from __future__ import annotations

from typing import Any

from backend.nlg.catalogs import use_locales_dir


async def start(app: Any) -> None:
    use_locales_dir(app.ctx.settings.locales_dir)
