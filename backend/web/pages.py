"""The start page with the chat widget, the widget's texts as JSON, and the page helpers.

Pages are `string.Template` files under `templates/`; every value is HTML-escaped except those whose
name ends in `_html` (built here from escaped parts). No inline script anywhere, so the
Content-Security-Policy allows scripts from our own origin only.
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json
from sanic.response import html as html_response

from backend.auth import sessions
from backend.conversations import language as languages
from backend.models.conversations import Conversation
from backend.nlg import LANGUAGES, translate
from backend.web import ui_texts
from backend.web.design import STYLESHEET

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"

bp = Blueprint("web_pages")
bp.static("/static/web", str(HERE / "static"), name="web_static")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render_page(name: str, language: str, *, status: int = 200, **values: str) -> HTTPResponse:
    """A page from `templates/<name>` in `language`; plain values escaped, `*_html` values as they are."""
    safe = {key: value if key.endswith("_html") else e(value) for key, value in values.items()}
    safe.setdefault("skip_to_content", e(translate(language, ui_texts.SKIP_TO_CONTENT)))
    page = _template(name).substitute(lang=e(language), design_stylesheet=STYLESHEET, **safe)
    response = html_response(page, status=status)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


async def request_language(request: Request) -> str:
    """The page's language: `?lang=`, else the session's conversation language, else the default."""
    settings = request.app.ctx.settings
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    session = await sessions.load_session(request.ctx.db, request)
    if session is not None:
        conversation = await request.ctx.db.get(Conversation, session.conversation_id)
        if conversation is not None:
            return languages.effective_language(conversation, settings.default_language)
    return settings.default_language


@bp.get("/")
async def start_page(request: Request) -> HTTPResponse:
    language = await request_language(request)
    texts = ui_texts.widget_texts(language)
    names = ui_texts.language_names()
    language_buttons = "\n".join(
        f'<button type="button" class="button button-secondary language" data-language="{e(code)}" lang="{e(code)}">{e(names[code])}</button>'
        for code in LANGUAGES
    )
    return render_page(
        "index.html",
        language,
        max_chars=str(request.app.ctx.settings.max_message_chars),
        language_buttons_html=language_buttons,
        **texts,
    )


@bp.get("/ui-texts")
async def texts(request: Request) -> JSONResponse:
    """The widget's texts in `?language=` (else the page's language)."""
    language = request.args.get("language")
    if language not in LANGUAGES:
        language = await request_language(request)
    response = json({"language": language, "texts": ui_texts.widget_texts(language)})
    response.headers["Cache-Control"] = "no-store"
    return response
