"""Letter templates with merge fields, maintained by administrators, and letters written from them.

A template belongs to one language (kl, da, sv: the citizen's languages); `key` groups the language
versions of one letter. The body holds merge fields in braces. A caseworker composes a letter for an
application in the application's language: known fields are filled, the others stay as `{field}` in
the draft and are named. The caseworker edits the draft and sends it as a secure message; a draft in
which a merge field is still unfilled is refused with the names of the fields. A template marked
`requests_documents` (the lease, the payslips) asks for documents: sending it records a document
request with the letter's text (backend/documents/service.py), so what the citizen sends is tied to it.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.documents import service as documents
from backend.errors import Conflict, InvalidInput, NotFound
from backend.inbox.applications import get_application, iso
from backend.inbox.casework import plain
from backend.inbox.i18n import CITIZEN_LANGUAGE_WORDS, N_, _, word
from backend.messaging.service import caseworker_writes
from backend.models.applications import Application
from backend.models.casework import LetterTemplate
from backend.models.caseworkers import Caseworker
from backend.nlg.formatting import format_a_date, format_month

LETTER_LANGUAGES = ("kl", "da", "sv")
MERGE_FIELDS = ("name", "reference", "period", "date", "text")
FIELD_LABELS = {
    "name": N_("the citizen's name"),
    "reference": N_("the reference number"),
    "period": N_("the period"),
    "date": N_("the date"),
    "text": N_("the free text"),
}
MAX_TITLE = 120
MAX_BODY = 4000
MAX_FREE_TEXT = 2000
# NOTE: An administrator created a letter template whose key and language another one already has.
DUPLICATE = N_("A letter template with this key and language exists.")
_KEY = re.compile(r"^[a-z0-9_]{1,40}$")
_FIELD = re.compile(r"\{([^{}\s]{1,40})\}")


class UnfilledMergeFields(InvalidInput):
    """A letter still holds merge fields: 400 naming them, nothing is sent."""

    code = "unfilled_merge_fields"

    def __init__(self, fields: list[str]) -> None:
        labels = ", ".join(f"{{{name}}} ({_(FIELD_LABELS[name])})" for name in fields)
        super().__init__(_("Fill in these merge fields before sending: {fields}", fields=labels))
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {**super().body(), "fields": self.fields}


def fields_in(text: str) -> list[str]:
    """The merge fields a text still holds, in order of first appearance."""
    found: list[str] = []
    for name in _FIELD.findall(text):
        if name in MERGE_FIELDS and name not in found:
            found.append(name)
    return found


def template_record(template: LetterTemplate) -> dict[str, Any]:
    return {
        "id": template.id,
        "key": template.key,
        "language": template.language,
        "title": template.title,
        "body": template.body,
        "fields": fields_in(template.body),
        "requests_documents": template.requests_documents,
        "updated_at": iso(template.updated_at),
    }


# --- administration ----------------------------------------------------------------------------


def _checked(key: Any, language: Any, title: Any, body: Any) -> tuple[str, str, str, str]:
    if not isinstance(key, str) or not _KEY.match(key):
        raise InvalidInput(N_("The key must be 1-40 lower-case letters, digits or _."))
    if language not in LETTER_LANGUAGES:
        raise InvalidInput(N_("language must be kl, da or sv"))
    if isinstance(title, str) and isinstance(body, str):
        title, body = plain(title), plain(body)
    if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
        raise InvalidInput(N_("The title is missing or too long."))
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(N_("The text is missing or too long."))
    unknown = sorted({name for name in _FIELD.findall(body) if name not in MERGE_FIELDS})
    if unknown:
        raise InvalidInput(
            _(
                "Unknown merge fields: {unknown}. The merge fields are {known}.",
                unknown=", ".join(f"{{{name}}}" for name in unknown),
                known=", ".join(f"{{{name}}}" for name in MERGE_FIELDS),
            ),
            code="unknown_merge_fields",
        )
    return key, language, title.strip(), body.strip()


async def list_templates(db: AsyncSession, language: Any = None) -> list[LetterTemplate]:
    query = select(LetterTemplate).order_by(LetterTemplate.key, LetterTemplate.language)
    if language is not None:
        if language not in LETTER_LANGUAGES:
            raise InvalidInput(N_("language must be kl, da or sv"))
        query = query.where(LetterTemplate.language == language)
    return list((await db.execute(query)).scalars().all())


async def get_template(db: AsyncSession, template_id: Any) -> LetterTemplate:
    if not isinstance(template_id, int) or isinstance(template_id, bool):
        raise InvalidInput("template_id must be a number")
    template = await db.get(LetterTemplate, template_id)
    if template is None:
        raise NotFound(N_("unknown letter template"))
    return template


async def _save(db: AsyncSession, template: LetterTemplate, actor: str, action: str) -> LetterTemplate:
    """Commit; another template with the same key and language (caught at flush or commit) is 409."""
    try:
        await db.flush()
        await audit.record(
            db,
            actor=actor,
            action=action,
            details={
                "template_id": template.id,
                "key": template.key,
                "language": template.language,
                "requests_documents": template.requests_documents,
            },
        )
        await db.commit()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict(DUPLICATE, code="duplicate_template") from exc
    return template


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(N_("requests_documents must be true or false."))
    return value


async def create_template(
    db: AsyncSession,
    *,
    key: Any,
    language: Any,
    title: Any,
    body: Any,
    actor: str,
    requests_documents: Any = False,
) -> LetterTemplate:
    key, language, title, body = _checked(key, language, title, body)
    requests_documents = _flag(requests_documents)
    exists = await db.execute(
        select(LetterTemplate.id).where(LetterTemplate.key == key, LetterTemplate.language == language)
    )
    if exists.first() is not None:
        raise Conflict(DUPLICATE, code="duplicate_template")
    template = LetterTemplate(
        key=key, language=language, title=title, body=body, requests_documents=requests_documents
    )
    db.add(template)
    return await _save(db, template, actor, "letter_template_created")


async def update_template(
    db: AsyncSession, template_id: int, changes: dict[str, Any], *, actor: str
) -> LetterTemplate:
    unknown = set(changes) - {"key", "language", "title", "body", "requests_documents"}
    if unknown:
        raise InvalidInput("only key, language, title, body and requests_documents can be changed")
    template = await get_template(db, template_id)
    key, language, title, body = _checked(
        changes.get("key", template.key),
        changes.get("language", template.language),
        changes.get("title", template.title),
        changes.get("body", template.body),
    )
    template.key, template.language, template.title, template.body = key, language, title, body
    template.requests_documents = _flag(changes.get("requests_documents", template.requests_documents))
    template.updated_at = datetime.now(UTC)
    return await _save(db, template, actor, "letter_template_updated")


async def delete_template(db: AsyncSession, template_id: int, *, actor: str) -> None:
    template = await get_template(db, template_id)
    await audit.record(
        db,
        actor=actor,
        action="letter_template_deleted",
        details={"template_id": template.id, "key": template.key, "language": template.language},
    )
    await db.delete(template)
    await db.commit()


# --- writing a letter --------------------------------------------------------------------------


def merge_values(application: Application, *, day: Any, text: Any) -> dict[str, str]:
    """The fields that can be filled for this application (in its language); absent ones are left out."""
    language = application.language
    values = {"reference": application.reference, "period": format_month(application.period, language)}
    name = ((application.snapshot or {}).get("tenant") or {}).get("name")
    if isinstance(name, str) and name.strip():
        values["name"] = name.strip()
    if day not in (None, ""):
        try:
            parsed = date.fromisoformat(day) if isinstance(day, str) and len(day) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise InvalidInput(N_("The date must be a date."))
        values["date"] = format_a_date(parsed, language)
    if text not in (None, ""):
        if not isinstance(text, str) or len(text) > MAX_FREE_TEXT:
            raise InvalidInput(N_("The free text is too long."))
        if plain(text).strip():
            values["text"] = plain(text).strip()
    return values


def fill(body: str, values: dict[str, str]) -> str:
    """Replace each known, fillable `{field}`; everything else stays as written."""
    return _FIELD.sub(
        lambda m: values.get(m.group(1), m.group(0)) if m.group(1) in MERGE_FIELDS else m.group(0), body
    )


async def _template_for(
    db: AsyncSession, application: Application, template_id: Any, key: Any
) -> LetterTemplate:
    if template_id is not None:
        template = await get_template(db, template_id)
    elif isinstance(key, str) and _KEY.match(key):
        template = (
            (
                await db.execute(
                    select(LetterTemplate).where(
                        LetterTemplate.key == key, LetterTemplate.language == application.language
                    )
                )
            )
            .scalars()
            .first()
        )
        if template is None:
            raise NotFound(N_("There is no such letter in the citizen’s language."))
    else:
        raise InvalidInput(N_("Choose a letter template."))
    if template.language != application.language:
        raise InvalidInput(
            _(
                "The template is in {template_language}; the citizen’s language is {citizen_language}.",
                template_language=word(CITIZEN_LANGUAGE_WORDS, template.language),
                citizen_language=word(CITIZEN_LANGUAGE_WORDS, application.language),
            ),
            code="template_language",
        )
    return template


async def compose(
    db: AsyncSession,
    caseworker: Caseworker,
    reference: str,
    *,
    template_id: Any = None,
    key: Any = None,
    day: Any = None,
    text: Any = None,
) -> dict[str, Any]:
    """The draft letter: the template in the citizen's language with the fields filled that can be;
    `missing` names those left. Audited (the draft holds the citizen's name); commits."""
    application = await get_application(db, reference)
    template = await _template_for(db, application, template_id, key)
    draft = fill(template.body, merge_values(application, day=day, text=text))
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="letter_composed",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"template_id": template.id},
    )
    await db.commit()
    return {
        "template_id": template.id,
        "key": template.key,
        "language": template.language,
        "title": template.title,
        "requests_documents": template.requests_documents,
        "text": draft,
        "missing": fields_in(draft),
    }


async def send_letter(
    db: AsyncSession,
    caseworker: Caseworker,
    reference: str,
    settings: Settings,
    *,
    text: Any,
    template_id: Any = None,
) -> dict[str, Any]:
    """Send the (edited) letter as a secure message on the application, with the neutral notification.
    A letter from a template that asks for documents is sent as a document request (recorded, the
    application waits for the citizen; a decided application is 409). A merge field left unfilled
    refuses it (400, the fields named). Commits."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(N_("The letter is empty."))
    left = fields_in(text)
    if left:
        raise UnfilledMergeFields(left)
    template = await get_template(db, template_id) if template_id is not None else None
    request_id = None
    if template is not None and template.requests_documents:
        application = await documents.locked_application(db, reference)
        request, message = await documents.record_request(
            db, settings, caseworker_id=caseworker.id, application=application, text=text
        )
        request_id = request.id
    else:
        application = await get_application(db, reference)
        message = await caseworker_writes(
            db,
            caseworker_id=caseworker.id,
            cpr=application.person_cpr,
            application_reference=application.reference,
            text=text,
            settings=settings,
        )
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="letter_sent",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"template_id": template_id, "message_id": message.id, "request_id": request_id},
    )
    await db.commit()
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "sent_at": iso(message.created_at),
        "document_request_id": request_id,
        "status": application.status,
    }
