"""The SMS channel: Twilio's messaging webhook and its delivery status callbacks.

`POST /webhooks/twilio/sms` checks `X-Twilio-Signature` with the twilio library's RequestValidator
against the public URL (403 and nothing stored otherwise), deduplicates on `MessageSid`, answers the
keywords STOP / START / HELP itself and queues everything else for the inbound worker; it answers
Twilio at once with empty TwiML (the replies leave through the outbox). `POST /webhooks/twilio/status`
records delivery reports; a final state is never overwritten.
"""

from __future__ import annotations

import phonenumbers
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty, raw
from twilio.request_validator import RequestValidator

from backend.channels import texts
from backend.channels.inbound import accept, record_handled
from backend.channels.media import accept_media, twilio_refs
from backend.config import Settings
from backend.conversations import language as languages
from backend.errors import Forbidden, InvalidInput
from backend.nlg import translate
from backend.outbox.service import enqueue, opt_in, opt_out, record_delivery_report

bp = Blueprint("sms", url_prefix="/webhooks/twilio")

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
MAX_BODY_BYTES = 16 * 1024
MAX_SMS_CHARS = 1600  # Twilio's own limit for one inbound message
# Keywords in the three languages and English (Twilio's defaults); compared in capitals.
STOP_WORDS = frozenset(
    {"STOP", "STOPP", "STOPALL", "UNSUBSCRIBE", "AFMELD", "AVSLUTA", "UNIGIT", "UNITSIGIT"}
)
START_WORDS = frozenset({"START", "STARTA", "UNSTOP", "TILMELD", "AALLARTIGIT"})
HELP_WORDS = frozenset({"HELP", "HJÆLP", "HJÄLP", "INFO", "IKIUINNGA"})


def signed_url(request: Request, settings: Settings) -> str:
    """The URL Twilio signed: the configured public address, not what the proxy in front tells us."""
    query = f"?{request.query_string}" if request.query_string else ""
    return f"{settings.public_base_url}{request.path}{query}"


def verified_params(request: Request) -> dict[str, str]:
    """The form fields of a correctly signed Twilio request; Forbidden otherwise."""
    settings: Settings = request.app.ctx.settings
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput("request body too large", code="too_large")
    token = settings.twilio_auth_token.reveal()
    signature = request.headers.get("X-Twilio-Signature", "")
    form = request.get_form(keep_blank_values=True)
    params = {key: values[0] for key, values in (form or {}).items()}
    if not token or not signature:
        raise Forbidden("missing or invalid Twilio signature", code="bad_signature")
    if not RequestValidator(token).validate(signed_url(request, settings), params, signature):
        raise Forbidden("missing or invalid Twilio signature", code="bad_signature")
    return params


def sender_e164(raw_number: str | None) -> str | None:
    """Twilio sends E.164; any valid number may write to us (a reply goes back to the same number)."""
    try:
        number = phonenumbers.parse(raw_number or "", None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@bp.post("/sms")
async def inbound_sms(request: Request) -> HTTPResponse:
    params = verified_params(request)
    message_sid = params.get("MessageSid") or params.get("SmsSid") or ""
    sender = sender_e164(params.get("From"))
    if not message_sid or len(message_sid) > 64 or sender is None:
        raise InvalidInput("MessageSid and a valid From number are required")
    text = (params.get("Body") or "")[:MAX_SMS_CHARS]
    db = request.ctx.db
    keyword = text.strip().upper().rstrip(".!")
    if keyword in STOP_WORDS | START_WORDS | HELP_WORDS:
        handled = await record_handled(
            db, provider="twilio", external_id=message_sid, channel="sms", sender=sender, text=text
        )
        if handled is not None:
            _, conversation = handled
            language = languages.effective_language(conversation, request.app.ctx.settings.default_language)
            if keyword in STOP_WORDS:
                await opt_out(db, "sms", sender)
                reply, kind = translate(language, texts.SMS_OPTED_OUT), "opt_out_confirmation"
            elif keyword in START_WORDS:
                await opt_in(db, "sms", sender)
                reply, kind = translate(language, texts.SMS_OPTED_IN), "opt_in_confirmation"
            else:
                contact = request.app.ctx.settings.municipality_contact
                reply, kind = translate(language, texts.SMS_HELP, contact=contact), "help"
            await enqueue(
                db, channel="sms", to=sender, text=reply, kind=kind, conversation_id=conversation.id
            )
            await db.commit()
    else:
        media = twilio_refs(params)  # an MMS: its files become documents (backend/channels/media.py)
        if media:
            await accept_media(
                db, provider="twilio", external_id=message_sid, channel="sms", sender=sender, refs=media
            )
        if text.strip() or not media:
            await accept(
                db, provider="twilio", external_id=message_sid, channel="sms", sender=sender, text=text
            )
    return raw(EMPTY_TWIML, content_type="text/xml")


@bp.post("/status")
async def delivery_status(request: Request) -> HTTPResponse:
    params = verified_params(request)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    if not sid or not status or len(sid) > 64 or len(status) > 32:
        raise InvalidInput("MessageSid and MessageStatus are required")
    db = request.ctx.db
    await record_delivery_report(
        db, provider_id=sid, provider_status=status, error_code=params.get("ErrorCode")
    )
    await db.commit()
    return empty(status=204)
