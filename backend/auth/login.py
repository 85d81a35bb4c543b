"""Citizens' login: `/auth/logout` and `on_login`, the one place where a verified person is attached to
a web session. `/auth/login` (eID, or the development login under `make run`) is in `backend.auth.eid`.

The one-time links of the SMS/Telegram binding (issue 3) hook in with `register_login_hook`: every
hook runs inside the login's transaction with the rotated session and the verified CPR number.

The request guards the HTTP modules share are here too: `require_same_origin` and `development_only`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, redirect
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.auth import sessions
from backend.config import Settings
from backend.conversations import language as languages
from backend.conversations import service as conversations
from backend.cpr import normalise_cpr
from backend.dao.registers import dao_get_person
from backend.errors import Forbidden, NotFound
from backend.models.conversations import Conversation, WebSession

bp = Blueprint("citizen_auth", url_prefix="/auth")

LoginHook = Callable[[AsyncSession, WebSession, str, Settings], Awaitable[None]]
_login_hooks: list[LoginHook] = []


def register_login_hook(hook: LoginHook) -> None:
    """Run `hook(db, session, cpr, settings)` after every successful citizen login (idempotent registration)."""
    if hook not in _login_hooks:
        _login_hooks.append(hook)


@dataclass(frozen=True)
class Login:
    session: WebSession
    token: str  # the new cookie value
    conversation: Conversation


async def on_login(db: AsyncSession, session: WebSession, cpr: str, *, settings: Settings) -> Login:
    """The person `cpr` (eID-verified) logged in on `session`. Does not commit.

    The session's conversation continues, now bound to the person until the session expires; if it was
    bound to someone else before, a new conversation starts so nobody sees another person's chat. The
    session token is rotated (a token known before the login is worth nothing after it).
    """
    person = await dao_get_person(db, cpr)
    if person is None:
        raise NotFound("unknown person")
    conversation = await db.get(Conversation, session.conversation_id)
    if conversation is None or (conversation.person_cpr not in (None, cpr)):
        conversation = await conversations.create_conversation(db, channel="web")
        session.conversation_id = conversation.id
    session.person_cpr = cpr
    session.authenticated_at = datetime.now(UTC)
    rotated, token = await sessions.rotate(db, settings, session)
    await conversations.bind_person(db, conversation, cpr, until=rotated.expires_at)
    languages.apply_register(conversation, person.language)
    await audit.record(
        db, actor="citizen", action="citizen_login", person_cpr=cpr, details={"conversation": conversation.id}
    )
    for hook in _login_hooks:
        await hook(db, rotated, cpr, settings)
    return Login(rotated, token, conversation)


async def login_with_cpr(request: Request, raw_cpr: object) -> Login | None:
    """Log the request's browser in as `raw_cpr` (keeping its conversation); None if no such person."""
    db, settings = request.ctx.db, request.app.ctx.settings
    cpr = normalise_cpr(raw_cpr) if isinstance(raw_cpr, str) else None
    if cpr is None or await dao_get_person(db, cpr) is None:
        return None
    session = await sessions.load_session(db, request)
    if session is None:
        session, _ = await sessions.start_anonymous(db, settings)
    login = await on_login(db, session, cpr, settings=settings)
    await db.commit()
    return login


@bp.post("/logout")
async def logout(request: Request) -> HTTPResponse:
    """End the session: the conversation is unbound and its transcript no longer reachable from here.

    After an eID login whose provider offers RP-initiated logout, the form post is sent on to the
    provider's logout address and the JSON answer names it (`end_session_url`)."""
    require_same_origin(request)
    db = request.ctx.db
    session = await sessions.load_session(db, request)
    eid_login = session is not None and session.eid_login
    if session is not None:
        conversation = await db.get(Conversation, session.conversation_id)
        if conversation is not None and conversation.person_cpr is not None:
            await audit.record(
                db,
                actor="citizen",
                action="citizen_logout",
                person_cpr=conversation.person_cpr,
                details={"conversation": conversation.id},
            )
            await conversations.unbind_person(db, conversation)
        await sessions.end(db, session)
        await db.commit()
    end_session_url = await end_session_url_for(request, eid_login)
    if wants_json(request):
        answer: dict[str, object] = {"ok": True}
        if end_session_url:
            answer["end_session_url"] = end_session_url
        response = json(answer)
    else:
        response = redirect(end_session_url or "/")
    sessions.clear_cookie(response)
    return response


async def end_session_url_for(request: Request, eid_login: bool) -> str | None:
    """Where the eID provider ends its own session (after the database work: it may fetch metadata)."""
    relying_party = getattr(request.app.ctx, "oidc", None)
    if relying_party is None or not eid_login:
        return None
    settings = request.app.ctx.settings
    back = settings.oidc_post_logout_redirect or f"{settings.public_base_url}/"
    return await relying_party.end_session_url(back)


def wants_json(request: Request) -> bool:
    return (request.content_type or "").split(";")[0].strip().lower() == "application/json"


def development_only(request: Request) -> Settings:
    """The settings of a development instance (`make run`); in production the route answers 404."""
    settings: Settings = request.app.ctx.settings
    if not settings.development:
        raise NotFound("not found")
    return settings


def require_same_origin(request: Request) -> None:
    """A state-changing form post must come from our own pages (JSON posts cannot cross sites with
    cookies without CORS, which we never allow). The page's origin is `Origin`, or without it the
    `Referer`'s; a request with neither (not from a browser) passes."""
    if wants_json(request):
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise Forbidden("cross-site request")
    origin = request.headers.get("origin") or _origin_of(request.headers.get("referer") or "")
    if origin and origin.rstrip("/") not in _own_origins(request):
        raise Forbidden("cross-site request")


def _origin_of(address: str) -> str:
    """`scheme://host[:port]` of an address; something that is not an address stays as it is (and is
    then not one of ours)."""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else address


def _own_origins(request: Request) -> set[str]:
    settings = request.app.ctx.settings
    host = request.headers.get("host", "")
    return {settings.public_base_url.rstrip("/"), f"http://{host}", f"https://{host}"}
