"""The PDF export in the caseworker's language: empty fields as "not given", document kinds and the
period in words, dates in Greenland time; never "None" or a stored code."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.documents import service as documents
from backend.inbox.i18n import format_datetime, format_period, use_language
from backend.machine import clients as machine
from backend.models.caseworkers import Caseworker
from backend.models.registers import Tenancy
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.documents import samples
from tests.backend.inbox.factories import create_caseworker, log_in

# What the first page says, in each language: labels, an empty field, the kinds of the documents,
# the decision, a correction's section.
EXPECTED = {
    "da": (
        "Periode: ",
        "Indflyttet: ikke oplyst",
        "Lejernummer: ikke oplyst",
        "PDF: kontrakt.pdf",
        "PNG-billede: foto.png",
        "bevilget",
        "Rettelse (bolig): Vi er flyttet.",
        "Journalnotater",
    ),
    "kl": (
        "Piffissaq: ",
        "Nuuffia: nalunaarutigineqanngilaq",
        "Attartortutut normu: nalunaarutigineqanngilaq",
        "PDF: kontrakt.pdf",
        "PNG-assiliaq: foto.png",
        "akuerineqarpoq",
        "Iluarsiineq (ineqarfik): Vi er flyttet.",
        "Journalimi allaaserisat",
    ),
}
RAW = re.compile(r"\bNone\b|application/pdf|image/png|\b\d{4}-\d{2}\b|\bgranted\b|\bdwelling\b")


async def _decided_by_the_case_system(app, db: AsyncSession, settings) -> tuple[str, str, object]:  # type: ignore[no-untyped-def]
    """An application of a tenancy the register knows no move-in date or tenant number for, with a
    correction and two documents, decided by the case system (so no caseworker took it over)."""
    await seed_registers(db)
    await db.execute(
        update(Tenancy).where(Tenancy.tenant_cpr == AVIAJA).values(move_in=None, tenant_number=None)
    )
    await db.commit()
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings)
    corrections = [{"section": "dwelling", "text": "Vi er flyttet."}]
    application = (
        await submit_draft(db, conversation, draft.draft.id, settings, corrections=corrections)
    ).application
    for data, name in ((samples.pdf(1), "kontrakt.pdf"), (samples.png(), "foto.png")):
        await documents.receive(
            db, settings, cpr=AVIAJA, data=data, filename=name, channel="web", conversation_id=None
        )
    client, secret = await machine.create_client(
        db, name="winformatik", scopes="applications:read applications:write", actor="test"
    )
    _, token = await app.asgi_client.post(
        "/api/caseworker/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client.id, "client_secret": secret},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _, decided = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/decision",
        json={"decision": "granted", "decided_on": date.today().isoformat()},
        headers={"authorization": f"Bearer {token.json['access_token']}"},
    )
    assert decided.status == 200, decided.text
    return application.reference, application.period, application.submitted_at


async def test_the_pdf_export_reads_as_words_in_danish_and_greenlandic(
    app, db: AsyncSession, settings
) -> None:
    reference, period, submitted_at = await _decided_by_the_case_system(app, db, settings)
    await create_caseworker(db)
    session = await log_in(app)

    for language, words in EXPECTED.items():
        stored = await db.get(Caseworker, session.caseworker_id, populate_existing=True)
        assert stored is not None
        stored.language = language
        await db.commit()
        _, exported = await app.asgi_client.get(
            f"/api/caseworker/applications/{reference}/export.pdf", headers=session.headers
        )
        assert exported.status == 200
        text = PdfReader(io.BytesIO(exported.body)).pages[0].extract_text()
        assert [word for word in words if word not in text] == [], (language, text)
        with use_language(language):
            month, submitted = format_period(period), format_datetime(submitted_at)
        assert month in text and submitted in text, (language, text)
        assert RAW.findall(text) == [], (language, text)
