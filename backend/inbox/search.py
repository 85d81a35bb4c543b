"""Look a person's case up by CPR number, birth date, name, reference or phone number, across current
and historical applications and secure-message threads.

The query is read as every key it can be (six digits may be a birth date and a phone number), and the
results of all readings are shown together. Every search is audited without the query in clear: the
audit entry holds the kinds of key and a masked form (birth date only for a CPR number, `+299 55 ** 34`
for a phone number, initials for a name), plus which applications and threads were shown, and each
shown person gets an entry of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.cpr import birth_date, mask_cpr, normalise_cpr
from backend.errors import InvalidInput
from backend.inbox.applications import earlier_months, flags_for, iso, summary
from backend.inbox.i18n import N_
from backend.models.applications import Application
from backend.models.caseworkers import Caseworker
from backend.models.messaging import ContactPreference, Thread
from backend.models.registers import Person
from backend.phones import mask_phone, normalise_phone

MAX_QUERY = 100
MIN_NAME = 2
MAX_RESULTS = 50
_BIRTH_SHORT = re.compile(r"^(\d{2})(\d{2})(\d{2})$")  # ddmmyy
_BIRTH_LONG = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")  # dd-mm-yyyy
_REFERENCE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{4,12}$")


@dataclass
class Reading:
    """What a query can mean: the keys found and the masked form of each (for the audit log)."""

    cprs: set[str] = field(default_factory=set)
    birth: date | None = None
    phone: str | None = None
    reference: str | None = None
    name: str | None = None
    masked: dict[str, str] = field(default_factory=dict)


def _birth_from(day: int, month: int, year: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_query(text: Any) -> Reading:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(N_("Write a CPR number, birth date, name, reference or phone number."))
    query = " ".join(text.split())
    if len(query) > MAX_QUERY:
        raise InvalidInput(N_("The search is too long."), code="too_long")
    reading = Reading()
    cpr = normalise_cpr(query)
    if cpr is not None:
        reading.cprs.add(cpr)
        reading.masked["cpr"] = mask_cpr(cpr)
    if short := _BIRTH_SHORT.match(query):
        # ddmmyy: the century is unknown until the serial number, so any century matches.
        day, month, year = (int(part) for part in short.groups())
        if _birth_from(day, month, 2000 + year) or _birth_from(day, month, 1900 + year):
            reading.birth = date(1904, month, day) if (day, month) == (29, 2) else date(1900, month, day)
            reading.masked["birth_date"] = query
            reading.masked["birth_year"] = f"{year:02d}"
    elif long := _BIRTH_LONG.match(query):
        day, month, year = (int(part) for part in long.groups())
        born = _birth_from(day, month, year)
        if born is not None:
            reading.birth = born
            reading.masked["birth_date"] = born.isoformat()
    phone = normalise_phone(query)
    if phone is not None and cpr is None:
        reading.phone = phone
        reading.masked["phone"] = mask_phone(phone)
    if _REFERENCE.match(query):
        reading.reference = query.upper()
        reading.masked["reference"] = reading.reference
    if not reading.masked and all(ch.isalpha() or ch in " -'." for ch in query):
        if sum(ch.isalpha() for ch in query) < MIN_NAME:
            raise InvalidInput(N_("A name must have at least two letters."), code="too_short")
        reading.name = query.casefold()
        reading.masked["name"] = "".join(word[0].upper() + "." for word in query.split())
    if not reading.masked:
        raise InvalidInput(
            N_(
                "Search for a CPR number, a birth date (ddmmyy or dd-mm-yyyy), a name, a reference or a phone number."
            ),
            code="unrecognised_query",
        )
    return reading


def _birth_matches(cpr: str, reading: Reading) -> bool:
    if reading.birth is None:
        return False
    try:
        born = birth_date(cpr)
    except ValueError:
        return False
    if "birth_year" in reading.masked:  # ddmmyy: day, month and two-digit year
        return (born.day, born.month, born.year % 100) == (
            reading.birth.day,
            reading.birth.month,
            int(reading.masked["birth_year"]),
        )
    return born == reading.birth


def _name_matches(application: Application, name: str) -> bool:
    tenant = (application.snapshot or {}).get("tenant") or {}
    words = str(tenant.get("name") or "").casefold()
    return all(part in words for part in name.split())


async def _cprs_of(db: AsyncSession, reading: Reading) -> set[str]:
    """The persons the query names by CPR number, birth date, phone or (register) name."""
    cprs = set(reading.cprs)
    if reading.birth is not None:
        prefix = f"{reading.birth.day:02d}{reading.birth.month:02d}"
        if "birth_year" in reading.masked:
            prefix += reading.masked["birth_year"]
        else:
            prefix += f"{reading.birth.year % 100:02d}"
        candidates: set[str] = set()
        for column in (Application.person_cpr, Thread.person_cpr, Person.cpr):
            rows = await db.execute(select(column).where(column.like(f"{prefix}%")).distinct())
            candidates |= set(rows.scalars().all())
        cprs |= {cpr for cpr in candidates if _birth_matches(cpr, reading)}
    if reading.phone is not None:
        for column, key in (
            (ContactPreference.phone_e164, ContactPreference.person_cpr),
            (Person.phone_e164, Person.cpr),
            (Application.phone_e164, Application.person_cpr),
        ):
            rows = await db.execute(select(key).where(column == reading.phone).distinct())
            cprs |= set(rows.scalars().all())
    if reading.name is not None:
        # Persons known only from the register (a thread without an application) by their register name.
        parts = (part.replace("%", "").replace("_", "") for part in reading.name.split())
        pattern = "%" + "%".join(parts) + "%"
        rows = await db.execute(select(Person.cpr).where(Person.name.ilike(pattern)).limit(MAX_RESULTS))
        cprs |= set(rows.scalars().all())
    return cprs


async def search(db: AsyncSession, caseworker: Caseworker, text: Any) -> dict[str, Any]:
    """Applications (current and historical) and threads matching the query, newest first. Audited;
    commits."""
    reading = read_query(text)
    cprs = await _cprs_of(db, reading)
    conditions = []
    if cprs:
        conditions.append(Application.person_cpr.in_(cprs))
    if reading.reference is not None:
        conditions.append(Application.reference == reading.reference)
    applications: list[Application] = []
    if conditions:
        rows = await db.execute(
            select(Application)
            .where(or_(*conditions))
            .order_by(Application.submitted_at.desc(), Application.id.desc())
            .limit(MAX_RESULTS)
        )
        applications = list(rows.scalars().all())
    if reading.name is not None:
        # Names come from the register snapshot stored on each application (JSON: compared here).
        rows = await db.execute(
            select(Application).order_by(Application.submitted_at.desc(), Application.id.desc())
        )
        seen = {a.id for a in applications}
        applications += [
            a for a in rows.scalars().all() if a.id not in seen and _name_matches(a, reading.name)
        ]
        applications = applications[:MAX_RESULTS]
    shown_cprs = cprs | {a.person_cpr for a in applications}
    thread_conditions = []
    if shown_cprs:
        thread_conditions.append(Thread.person_cpr.in_(shown_cprs))
    if reading.reference is not None:
        thread_conditions.append(Thread.application_reference == reading.reference)
    threads: list[Thread] = []
    if thread_conditions:
        rows = await db.execute(
            select(Thread)
            .where(or_(*thread_conditions))
            .order_by(Thread.updated_at.desc())
            .limit(MAX_RESULTS)
        )
        threads = list(rows.scalars().all())
    names = {a.person_cpr: ((a.snapshot or {}).get("tenant") or {}).get("name") for a in applications}
    missing = {t.person_cpr for t in threads} - names.keys()
    if missing:
        rows = await db.execute(select(Person.cpr, Person.name).where(Person.cpr.in_(missing)))
        names.update({row[0]: row[1] for row in rows.all()})
    result = {
        "keys": sorted(reading.masked),
        "applications": [summary(a, flags_for(a, await earlier_months(db, a))) for a in applications],
        "threads": [
            {
                "id": t.id,
                "application_reference": t.application_reference,
                "name": names.get(t.person_cpr),
                "cpr_masked": mask_cpr(t.person_cpr),
                "updated_at": iso(t.updated_at),
            }
            for t in threads
        ],
    }
    actor = f"caseworker:{caseworker.id}"
    await audit.record(
        db,
        actor=actor,
        action="applications_searched",
        details={
            "query": reading.masked,
            "applications": [a.reference for a in applications],
            "threads": [t.id for t in threads],
        },
    )
    for cpr in sorted({a.person_cpr for a in applications} | {t.person_cpr for t in threads}):
        await audit.record(
            db,
            actor=actor,
            action="search_result_shown",
            person_cpr=cpr,
            details={
                "applications": [a.reference for a in applications if a.person_cpr == cpr],
                "threads": [t.id for t in threads if t.person_cpr == cpr],
            },
        )
    await db.commit()
    return result
