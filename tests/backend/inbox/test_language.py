"""The caseworker's language (da by default, kl, en): the inbox pages, the digest e-mail and the values
on them (Greenland time, amounts, yes/no, lists) in the language each caseworker chose."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.i18n import (
    format_amount,
    format_date,
    format_datetime,
    format_list,
    use_language,
    yes_no,
)
from backend.models.caseworkers import Caseworker
from backend.models.outbox import OutboxMessage
from backend.scheduler import send_digest
from tests.backend.applications.factories import (
    KARIN,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in

MOMENT = "2026-12-05T06:31:29.183702+00:00"  # 04.31 in Nuuk (UTC-2)


def test_values_read_as_words_and_local_time_in_each_language() -> None:
    shown = {}
    for language in ("da", "kl", "en"):
        with use_language(language):
            shown[language] = (
                format_datetime(MOMENT),
                format_date("2019-03-01"),
                format_amount("6450.00"),
                yes_no(True),
                yes_no(False),
                format_list(["SMS", "e-mail", "telefon"]),
            )
    assert shown["da"] == (
        "5. december 2026 kl. 04.31",
        "1. marts 2019",
        "6.450,00\xa0kr.",
        "ja",
        "nej",
        "SMS, e-mail og telefon",
    )
    assert shown["kl"][0].endswith(" nal. 04.31") and "2026" in shown["kl"][0]
    assert shown["kl"][3:] == ("aap", "naamik", "SMS, e-mail aamma telefon")
    assert shown["en"][0] == "5 December 2026 at 04:31"
    assert shown["en"][3:5] == ("yes", "no")


async def test_a_caseworker_switches_the_inbox_from_danish_to_greenlandic_and_english(
    app, db: AsyncSession
) -> None:
    caseworker = await create_caseworker(db)
    assert caseworker.language == "da"
    session = await log_in(app)

    async def inbox() -> str:
        _, response = await app.asgi_client.get("/inbox", headers=session.cookie_only)
        assert response.status == 200
        return response.text

    danish = await inbox()
    assert '<html lang="da">' in danish and ">Ansøgninger</a>" in danish and "Skift sprog" in danish

    for language, lang_attribute, applications in (
        ("kl", "kl", "Qinnuteqaatit"),
        ("en", "en", "Applications"),
    ):
        _, switched = await app.asgi_client.post(
            "/inbox/language",
            data={"csrf_token": session.csrf, "language": language},
            headers={**session.cookie_only, "referer": "http://localhost/inbox/messages?filter=all"},
            follow_redirects=False,
        )
        assert switched.status == 302 and switched.headers["location"] == "/inbox/messages?filter=all"
        page = await inbox()
        assert f'<html lang="{lang_attribute}">' in page and f">{applications}</a>" in page
    await db.refresh(caseworker)
    assert caseworker.language == "en"


async def test_a_language_switch_with_a_bad_language_or_without_the_csrf_token_changes_nothing(
    app, db: AsyncSession
) -> None:
    caseworker = await create_caseworker(db)
    session = await log_in(app)
    _, unknown = await app.asgi_client.post(
        "/inbox/language", data={"csrf_token": session.csrf, "language": "sv"}, headers=session.cookie_only
    )
    _, forged = await app.asgi_client.post(
        "/inbox/language", data={"csrf_token": "forged", "language": "kl"}, headers=session.cookie_only
    )
    _, elsewhere = await app.asgi_client.post(
        "/inbox/language",
        data={"csrf_token": session.csrf, "language": "da"},
        headers={**session.cookie_only, "referer": "https://evil.example/inbox"},
        follow_redirects=False,
    )
    assert (unknown.status, forged.status) == (400, 403)
    assert elsewhere.headers["location"] == "/inbox"  # only a path of our own, never another site
    await db.refresh(caseworker)
    assert caseworker.language == "da"


async def test_the_digest_reaches_each_caseworker_in_their_language(app, db: AsyncSession, settings) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=KARIN)
    draft = await create_draft(db, conversation, settings)
    await submit_draft(db, conversation, draft.draft.id, settings)
    for username, language in (("aviaja", "kl"), ("bent", "da"), ("clara", "en")):
        caseworker = await create_caseworker(
            db, username=username, email=f"{username}@kommune.example.gl", designated_for_digest=True
        )
        caseworker.language = language
    await db.commit()

    assert await send_digest(db, settings, slot="2026-06-22", now=datetime(2026, 6, 22, 11, tzinfo=UTC)) == 3
    mails = {
        m.recipient: (m.subject, m.text)
        for m in (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "digest"))).scalars()
    }
    assert mails["aviaja@kommune.example.gl"][0] == "Boligsikring: qinnuteqaatit utaqqipput"
    assert mails["bent@kommune.example.gl"][0] == "Boligsikring: ansøgninger venter"
    assert mails["clara@kommune.example.gl"][0] == "Housing benefit: applications are waiting"
    assert mails["clara@kommune.example.gl"][1].startswith("1 housing-benefit application is waiting")
    assert all(KARIN not in text for _, text in mails.values())
    assert (
        await db.execute(select(Caseworker.language).where(Caseworker.username == "aviaja"))
    ).scalar() == "kl"


async def test_the_login_page_follows_the_chosen_language_and_both_pages_use_the_design_system(app) -> None:
    _, danish = await app.asgi_client.get("/inbox/login")
    _, greenlandic = await app.asgi_client.get("/inbox/login?language=kl")
    _, unknown = await app.asgi_client.get("/inbox/login?language=xx")
    assert '<html lang="da">' in danish.text and "Brugernavn" in danish.text
    assert '<html lang="kl">' in greenlandic.text and "Atuisutut ateq" in greenlandic.text
    assert '<html lang="da">' in unknown.text

    _, stylesheet = await app.asgi_client.get("/design/dkfds/css/dkfds.min.css")
    assert stylesheet.status == 200 and stylesheet.headers["content-type"].startswith("text/css")
    font = re.search(r"url\(\.\./(fonts/[^)]+\.woff2?)\)", stylesheet.text)
    assert font is not None
    _, font_file = await app.asgi_client.get(f"/design/dkfds/{font.group(1)}")
    assert font_file.status == 200
    _, start = await app.asgi_client.get("/")
    for page in (danish.text, start.text):
        assert '<link rel="stylesheet" href="/design/dkfds/css/dkfds.min.css">' in page
        assert 'class="skip-link" href="#main"' in page
