"""The inbox pages show stored codes as words in the caseworker's language: the application's history
(who by name, what in words), the period as a month, the audit log, counts with their plural forms;
never a raw action code, `caseworker:1` or `client:x`."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.i18n import action_words, actor_words, format_period, use_language
from backend.machine import clients as machine
from backend.models.caseworkers import Caseworker
from tests.backend.applications.factories import AVIAJA, MALIK
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.inbox.test_applications import _submitted

API = "/api/caseworker/applications"
# Every audit action the realistic day below records on the application.
DAY_ACTIONS = (
    "application_submitted",
    "application_viewed",
    "application_received",
    "documents_requested",
    "application_waiting_for_citizen",
    "journal_note_added",
    "task_created",
    "application_taken_over",
    "application_decided",
)
# What the history says about them, and who did them, in each language.
HISTORY_WORDS = {
    "da": (
        "ansøgning indsendt",
        "ansøgning åbnet",
        "markeret som modtaget",
        "anmodet om dokumenter",
        "status ændret til venter på borgeren",
        "journalnotat skrevet",
        "påmindelse oprettet",
        "overtaget i sagssystemet",
        "afgørelse registreret",
        "borgeren",
        "Pipaluk Berthelsen",
        "sagssystemet winformatik",
    ),
    "kl": (
        "qinnuteqaat nassiunneqarpoq",
        "qinnuteqaat ammarneqarpoq",
        "tiguneqarsimasutut nalunaarsorneqarpoq",
        "uppernarsaatit qinnutigineqarput",
        "journalimi allaaserisaq allanneqarpoq",
        "eqqaasitsissut pilersinneqarpoq",
        "sagssystemimut nuunneqarpoq",
        "aalajangiineq allattorneqarpoq",
        "innuttaasoq",
        "Pipaluk Berthelsen",
        "sagssystemi winformatik",
    ),
}
RAW = re.compile(r"caseworker:\d|client:|citizen,|\b[a-z]+_[a-z_]+\b")


def _section(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</table>", 1)[0]


async def _case_system_token(app, db: AsyncSession) -> dict[str, str]:  # type: ignore[no-untyped-def]
    client, secret = await machine.create_client(
        db, name="winformatik", scopes="applications:read", actor="test"
    )
    _, token = await app.asgi_client.post(
        "/api/caseworker/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client.id, "client_secret": secret},
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert token.status == 200, token.text
    return {"authorization": f"Bearer {token.json['access_token']}"}


async def test_the_application_history_reads_as_words_with_names_in_danish_and_greenlandic(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    reference = application.reference
    caseworker = await create_caseworker(db)
    caseworker.display_name = "Pipaluk Berthelsen"
    await db.commit()
    session = await log_in(app)
    url = f"{API}/{reference}"

    # A caseworker's day on the application, through the product's routes.
    _, opened = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    assert opened.status == 200
    for path, body in (
        (f"{url}/document-requests", {"text": "Send venligst en kopi af din lejekontrakt."}),
        (f"{url}/notes", {"text": "Lejekontrakten tjekket med INI."}),
        (
            "/api/caseworker/tasks",
            {
                "application_reference": reference,
                "due": (date.today() + timedelta(days=10)).isoformat(),
                "text": "Tjek lejekontrakten",
            },
        ),
        (f"{url}/take-over", {}),
        (f"{url}/decision", {"decision": "granted", "decided_on": date.today().isoformat()}),
    ):
        _, response = await app.asgi_client.post(path, json=body, headers=session.headers)
        assert response.status in (200, 201), (path, response.text)
    # The case system reads it too.
    _, read = await app.asgi_client.get(url, headers=await _case_system_token(app, db))
    assert read.status == 200
    _, detail = await app.asgi_client.get(url, headers=session.headers)
    recorded = {entry["action"] for entry in detail.json["history"]}
    assert set(DAY_ACTIONS) <= recorded
    assert {entry["actor"] for entry in detail.json["history"]} >= {
        "citizen",
        f"caseworker:{session.caseworker_id}",
        "client:winformatik",
    }

    for language, words in HISTORY_WORDS.items():
        stored = await db.get(Caseworker, session.caseworker_id, populate_existing=True)
        assert stored is not None
        stored.language = language
        await db.commit()
        _, page = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
        assert page.status == 200
        history = _section(page.text, "history")
        assert [word for word in words if word not in history] == [], language
        assert RAW.findall(history) == [], language
        assert "caseworker:" not in page.text and "client:winformatik" not in page.text
        with use_language(language):
            month = format_period(application.period)
        summary = page.text.split('<dl class="facts">', 1)[1].split("</dl>", 1)[0]
        assert f"<dd>{month}</dd>" in summary and f"<dd>{application.period}</dd>" not in summary


def test_an_unknown_action_or_actor_reads_as_a_generic_word_never_as_the_code() -> None:
    with use_language("da"):
        assert action_words("application_frobnicated") == "anden aktivitet"
        assert actor_words("robot:7", {}) == "ukendt"
        assert actor_words("caseworker:99", {1: "Pipaluk"}) == "en sagsbehandler"
        assert actor_words("caseworker:1", {1: "Pipaluk"}) == "Pipaluk"
        assert actor_words("system", {}) == "systemet"
    with use_language("kl"):
        assert action_words("") == "allanik suliaqarneq"
        assert actor_words("client:winformatik", {}) == "sagssystemi winformatik"
    with use_language("en"):
        assert action_words("application_frobnicated") == "other activity"
        assert actor_words("cli", {}) == "an administrator on the command line"


async def test_the_audit_log_on_the_admin_page_names_who_and_what_in_words(
    app, db: AsyncSession, settings
) -> None:
    await _submitted(db, settings, AVIAJA)
    await create_caseworker(db, username="aviaja", role="administrator")
    session = await log_in(app, "aviaja")
    _, page = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert page.status == 200
    log = page.text.split("Revisionslog", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "ansøgning indsendt" in log and "borgeren" in log and "sagsbehandler logget ind" in log
    assert RAW.findall(log) == []
    # The filter offers the actions by their words and keeps the chosen one.
    _, filtered = await app.asgi_client.get(
        "/inbox/admin?action=application_submitted", headers=session.cookie_only
    )
    assert '<option value="application_submitted" selected>ansøgning indsendt</option>' in filtered.text
    rows = filtered.text.split("Revisionslog", 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert rows.count("<tr>") == 1 and "ansøgning indsendt" in rows


async def test_list_headings_count_with_the_plural_form_of_each_language(
    app, db: AsyncSession, settings
) -> None:
    await _submitted(db, settings, AVIAJA)
    caseworker = await create_caseworker(db)
    session = await log_in(app)

    async def headings() -> list[str]:
        shown = []
        for language in ("en", "da", "kl"):
            caseworker.language = language
            await db.commit()
            _, page = await app.asgi_client.get("/inbox?filter=all", headers=session.cookie_only)
            shown.append(page.text.split("</nav>")[-1].split("<table", 1)[0])
        return shown

    assert await headings() == ["<p>1 application</p>", "<p>1 ansøgning</p>", "<p>qinnuteqaat 1</p>"]
    await _submitted(db, settings, MALIK)
    assert await headings() == ["<p>2 applications</p>", "<p>2 ansøgninger</p>", "<p>qinnuteqaatit 2</p>"]
