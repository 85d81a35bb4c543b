"""Administrators: caseworkers, digest designation, routing rules, canned texts, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.cpr import normalise_cpr
from backend.errors import Conflict, InvalidInput, NotFound
from backend.inbox.applications import iso
from backend.inbox.credentials import hash_password, new_totp_secret
from backend.inbox.i18n import N_
from backend.models.audit import AuditEntry
from backend.models.caseworkers import CannedText, Caseworker, RoutingRule

ROLES = ("caseworker", "administrator")
LANGUAGES = ("kl", "da", "sv")
AUDIT_PAGE = 500


def caseworker_record(caseworker: Caseworker) -> dict[str, Any]:
    return {
        "id": caseworker.id,
        "username": caseworker.username,
        "display_name": caseworker.display_name,
        "role": caseworker.role,
        "email": caseworker.email,
        "phone": caseworker.phone_e164,
        "designated_for_digest": caseworker.designated_for_digest,
        "active": caseworker.active,
    }


async def list_caseworkers(db: AsyncSession) -> list[Caseworker]:
    return list((await db.execute(select(Caseworker).order_by(Caseworker.id))).scalars().all())


async def create_caseworker(
    db: AsyncSession,
    *,
    username: str,
    password: str,
    role: str = "caseworker",
    display_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    totp_secret: str | None = None,
    designated_for_digest: bool = False,
    actor: str = "system",
    password_hash: str | None = None,
) -> Caseworker:
    """Create a caseworker (TOTP secret generated unless given; `password_hash`, when given, is the
    already computed hash of `password`, which saves a deliberately slow argon2 run). Commits."""
    username = (username or "").strip().lower()
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").isalnum():
        raise InvalidInput(N_("username must be letters, digits, - or _"))
    if not isinstance(password, str) or len(password) < 10:
        raise InvalidInput(N_("password must be at least 10 characters"))
    if role not in ROLES:
        raise InvalidInput(N_("role must be caseworker or administrator"))
    caseworker = Caseworker(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash or hash_password(password),
        role=role,
        totp_secret=totp_secret or new_totp_secret(),
        email=email,
        phone_e164=_phone(phone),
        designated_for_digest=bool(designated_for_digest),
        active=True,
    )
    db.add(caseworker)
    try:
        await db.flush()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict(N_("username taken"), code="username_taken") from exc
    await audit.record(db, actor=actor, action="caseworker_created", details={"caseworker_id": caseworker.id})
    await db.commit()
    return caseworker


def _phone(phone: str | None) -> str | None:
    if not phone:
        return None
    from backend.phones import require_phone

    return require_phone(phone)


async def update_caseworker(
    db: AsyncSession, caseworker_id: int, changes: dict[str, Any], *, actor: str
) -> Caseworker:
    caseworker = await db.get(Caseworker, caseworker_id)
    if caseworker is None:
        raise NotFound(N_("unknown caseworker"))
    if "role" in changes and changes["role"] not in ROLES:
        raise InvalidInput(N_("role must be caseworker or administrator"))
    for flag in ("designated_for_digest", "active"):
        if flag in changes and not isinstance(changes[flag], bool):
            raise InvalidInput(f"{flag} must be a boolean")
    stays_admin = changes.get("role", caseworker.role) == "administrator" and changes.get(
        "active", caseworker.active
    )
    if (
        caseworker.is_admin
        and caseworker.active
        and not stays_admin
        and await _other_active_admins(db, caseworker_id) == 0
    ):
        raise Conflict(
            "the last active administrator cannot be deactivated or demoted", code="last_administrator"
        )
    if "role" in changes:
        caseworker.role = changes["role"]
    for flag in ("designated_for_digest", "active"):
        if flag in changes:
            setattr(caseworker, flag, changes[flag])
    if "email" in changes:
        caseworker.email = changes["email"] or None
    if "display_name" in changes:
        caseworker.display_name = str(changes["display_name"])[:120]
    if "phone" in changes:
        caseworker.phone_e164 = _phone(changes["phone"])
    if "password" in changes:
        if not isinstance(changes["password"], str) or len(changes["password"]) < 10:
            raise InvalidInput(N_("password must be at least 10 characters"))
        caseworker.password_hash = hash_password(changes["password"])
    await audit.record(
        db,
        actor=actor,
        action="caseworker_updated",
        details={"caseworker_id": caseworker_id, "fields": sorted(k for k in changes if k != "password")},
    )
    await db.commit()
    return caseworker


async def _other_active_admins(db: AsyncSession, caseworker_id: int) -> int:
    """Active administrators besides this one, their rows locked (PostgreSQL) so that two
    administrators deactivating each other at once cannot both succeed."""
    found = await db.execute(
        select(Caseworker.id)
        .where(Caseworker.role == "administrator", Caseworker.active.is_(True))
        .with_for_update()
    )
    return len([i for i in found.scalars().all() if i != caseworker_id])


def _day_month(text: Any) -> tuple[int, int]:
    """ "01.05" → (1, 5); validated against a leap year so 29.02 is allowed."""
    try:
        day, month = (int(part) for part in str(text).split("."))
        datetime(2000, month, day)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(N_("dates must be day.month, e.g. 01.05")) from exc
    return day, month


def rule_record(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "from": f"{rule.from_day:02d}.{rule.from_month:02d}",
        "to": f"{rule.to_day:02d}.{rule.to_month:02d}",
        "caseworker_id": rule.caseworker_id,
    }


async def list_rules(db: AsyncSession) -> list[RoutingRule]:
    return list((await db.execute(select(RoutingRule).order_by(RoutingRule.id))).scalars().all())


async def create_rule(
    db: AsyncSession, *, start: Any, end: Any, caseworker_id: Any, actor: str
) -> RoutingRule:
    from_day, from_month = _day_month(start)
    to_day, to_month = _day_month(end)
    if not isinstance(caseworker_id, int) or await db.get(Caseworker, caseworker_id) is None:
        raise InvalidInput(N_("unknown caseworker"))
    rule = RoutingRule(
        from_day=from_day,
        from_month=from_month,
        to_day=to_day,
        to_month=to_month,
        caseworker_id=caseworker_id,
    )
    db.add(rule)
    await db.flush()
    await audit.record(db, actor=actor, action="routing_rule_created", details=rule_record(rule))
    await db.commit()
    return rule


async def delete_rule(db: AsyncSession, rule_id: int, *, actor: str) -> None:
    rule = await db.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(N_("unknown rule"))
    await audit.record(db, actor=actor, action="routing_rule_deleted", details=rule_record(rule))
    await db.delete(rule)
    await db.commit()


def canned_record(canned: CannedText) -> dict[str, Any]:
    return {"id": canned.id, "language": canned.language, "title": canned.title, "text": canned.text}


async def list_canned(db: AsyncSession, language: str | None = None) -> list[CannedText]:
    query = select(CannedText).order_by(CannedText.language, CannedText.title)
    if language:
        query = query.where(CannedText.language == language)
    return list((await db.execute(query)).scalars().all())


async def create_canned(db: AsyncSession, *, language: Any, title: Any, text: Any, actor: str) -> CannedText:
    if language not in LANGUAGES:
        raise InvalidInput(N_("language must be kl, da or sv"))
    if not isinstance(title, str) or not title.strip() or not isinstance(text, str) or not text.strip():
        raise InvalidInput("title and text are required")
    canned = CannedText(language=language, title=title.strip()[:120], text=text.strip())
    db.add(canned)
    await db.flush()
    await audit.record(db, actor=actor, action="canned_text_created", details={"id": canned.id})
    await db.commit()
    return canned


async def delete_canned(db: AsyncSession, canned_id: int, *, actor: str) -> None:
    canned = await db.get(CannedText, canned_id)
    if canned is None:
        raise NotFound("unknown canned text")
    await db.delete(canned)
    await audit.record(db, actor=actor, action="canned_text_deleted", details={"id": canned_id})
    await db.commit()


async def read_audit(
    db: AsyncSession,
    *,
    actor: str | None = None,
    action: str | None = None,
    cpr: str | None = None,
    reference: str | None = None,
    since: str | None = None,
    until: str | None = None,
    reader: str,
) -> list[dict[str, Any]]:
    """Filtered audit entries, newest first (reading the log is itself audited). Commits."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(AUDIT_PAGE)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if cpr:
        digits = normalise_cpr(cpr)
        if digits is None:
            raise InvalidInput("cpr is not valid")
        query = query.where(AuditEntry.person_cpr == digits)
    if reference:
        query = query.where(AuditEntry.application_reference == reference)
    for bound, op in ((since, "ge"), (until, "lt")):
        if bound:
            try:
                moment = datetime.fromisoformat(bound)
            except ValueError as exc:
                raise InvalidInput("since/until must be ISO dates") from exc
            query = query.where(AuditEntry.at >= moment if op == "ge" else AuditEntry.at < moment)
    entries = (await db.execute(query)).scalars().all()
    await audit.record(
        db,
        actor=reader,
        action="audit_read",
        details={"actor": actor, "action": action, "reference": reference},
    )
    await db.commit()
    return [
        {
            "id": e.id,
            "at": iso(e.at),
            "actor": e.actor,
            "action": e.action,
            "person_cpr": e.person_cpr,
            "application_reference": e.application_reference,
            "details": e.details,
        }
        for e in entries
    ]
