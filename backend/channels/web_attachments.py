"""The widget's document upload: `POST /api/chat/attachments` (multipart, one file in the field `file`).

Only a logged-in citizen may send documents (401 otherwise). The body is read as a stream and cut off
at UPLOAD_MAX_BYTES plus the multipart envelope (413), so an oversized upload is never held whole.
A multipart form is a content type a cross-site page may post, so a request whose `Origin` or
`Sec-Fetch-Site` says it comes from another site is refused (403); the session cookie is SameSite=Lax
as well. Every refusal is a JSON error whose `message` is in the conversation's language.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.exceptions import PayloadTooLarge
from sanic.request.form import parse_multipart_form
from sanic.response import JSONResponse, json

from backend import limits
from backend.auth import sessions
from backend.channels import texts as channel_texts
from backend.channels.web import _language_of, _with_cookie
from backend.conversations import service as conversations
from backend.documents import service as documents
from backend.documents import texts
from backend.documents.checks import DocumentRefused, human_size
from backend.nlg import translate

bp = Blueprint("web_chat_attachments", url_prefix="/api/chat")

ENVELOPE_BYTES = 16 * 1024  # multipart boundaries and part headers around the file


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    response = json({"error": code, "message": message}, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _cross_site(request: Request) -> bool:
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    allowed = {request.app.ctx.settings.public_base_url.rstrip("/"), f"{request.scheme}://{request.host}"}
    return origin.rstrip("/") not in allowed


@bp.post("/attachments", stream=True)
async def upload(request: Request) -> JSONResponse:
    """→ 201 `{"id", "filename", "content_type", "size", "message": {"text"}}`; 401 anonymous, 403 from
    another site, 413 too large, 415 not PDF/JPEG/PNG/HEIC, 400 malformed or unreadable, 422 malware,
    429 too many at once, 503 the malware scan did not answer."""
    db, settings = request.ctx.db, request.app.ctx.settings
    session = await sessions.load_session(db, request)
    language = await _language_of(request, session.conversation_id) if session else settings.default_language
    if _cross_site(request):
        return _refusal(403, "cross_site", "uploads are accepted from this site only")
    if session is None or session.person_cpr is None:
        return _refusal(401, "login_required", translate(language, texts.LOGIN_FIRST))
    cpr, cid = session.person_cpr, session.conversation_id
    await db.commit()
    limit = settings.upload_max_bytes + ENVELOPE_BYTES
    too_large = _refusal(
        413, "too_large", translate(language, texts.TOO_LARGE, limit=human_size(settings.upload_max_bytes))
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return too_large
    hit = await limits.hit(request.app, limits.chat_messages(settings), cid)
    if not hit.allowed:
        refused = _refusal(429, "rate_limited", translate(language, channel_texts.TOO_MANY_MESSAGES))
        refused.headers["Retry-After"] = str(max(1, int(hit.retry_after)))
        return refused
    body = await read_body(request, limit)
    if body is None:
        return too_large
    content_type, boundary = multipart_boundary(request)
    if content_type != "multipart/form-data" or not boundary:
        return _refusal(415, "unsupported_media_type", "Content-Type must be multipart/form-data")
    try:
        _, files = parse_multipart_form(body, boundary)
    except Exception:  # a malformed envelope: Sanic's parser raises on several kinds of garbage
        files = None
    uploaded = (files or {}).get("file") if files else None
    if not uploaded or len(files.getlist("file")) != 1:
        return _refusal(400, "invalid_input", "exactly one file is expected in the field 'file'")
    try:
        attachment = await documents.receive(
            db,
            settings,
            cpr=cpr,
            data=uploaded.body,
            filename=uploaded.name,
            channel="web",
            conversation_id=cid,
        )
    except DocumentRefused as refused:
        return _refusal(refused.status, refused.code, translate(language, refused.msgid, **refused.arguments))
    confirmation = translate(language, texts.RECEIVED, filename=attachment.filename)
    await conversations.append_message(db, cid, sender="bot", text=confirmation)
    await db.commit()
    answer = {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "message": {"text": confirmation, "buttons": []},
    }
    return _with_cookie(request, json(answer, status=201), None)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes."""
    stream = request.stream
    if stream is None:
        return None
    if hasattr(stream, "request_max_size"):  # HTTP/1.1: Sanic's own limit, raised for this route only
        stream.request_max_size = limit
    chunks, size = [], 0
    while True:
        try:
            chunk = await stream.read()
        except PayloadTooLarge:  # Sanic's own count (a chunked body) passed the same limit
            return None
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def multipart_boundary(request: Request) -> tuple[str, bytes]:
    from sanic.headers import parse_content_header

    content_type, parameters = parse_content_header(request.headers.get("content-type", ""))
    boundary = str(parameters.get("boundary") or "")
    return content_type.lower(), boundary.encode("utf-8", "replace")
