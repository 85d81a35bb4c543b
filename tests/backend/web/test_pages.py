import re
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from backend.nlg import translate
from backend.web import ui_texts
from tests.backend.applications.factories import AVIAJA, seed_registers
from tests.backend.channels.support import Browser, FakeRasa

STATIC = Path(__file__).resolve().parents[3] / "backend" / "web" / "static"


async def test_the_start_page_has_an_accessible_widget_and_a_strict_csp(app) -> None:
    _, response = await app.asgi_client.get("/?lang=da")
    assert response.status == 200
    page = response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in page and " on" not in re.sub(r"\s+", " ", page).replace(" only", "")
    assert re.search(r'role="log"[^>]*aria-live="polite"', page)
    assert '<label for="chat-input"' in page
    assert 'aria-controls="chat"' in page
    assert '<html lang="da">' in page
    assert translate("da", ui_texts.OPEN_CHAT) in page
    for code, name in (("kl", "Kalaallisut"), ("da", "Dansk"), ("sv", "Svenska")):
        assert f'data-language="{code}" lang="{code}">{name}</button>' in page


async def test_the_start_page_speaks_the_conversations_language(app) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("Jag vill ansöka om bostadsbidrag")
    page = (await browser.request("GET", "/")).text
    assert '<html lang="sv">' in page
    assert translate("sv", ui_texts.CHAT_TITLE) in page


async def test_the_widget_texts_are_served_as_json_in_the_asked_language(app) -> None:
    _, response = await app.asgi_client.get("/ui-texts?language=kl")
    body = response.json
    assert body["language"] == "kl"
    assert set(body["texts"]) == set(ui_texts.WIDGET_TEXTS)
    assert body["texts"]["send"] == translate("kl", ui_texts.SEND)
    assert body["texts"]["send"] != ui_texts.SEND


def test_the_widget_script_never_inserts_html() -> None:
    script = (STATIC / "widget.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "outerHTML" not in script and "insertAdjacentHTML" not in script
    assert "eval(" not in script and "document.write" not in script
    assert "textContent" in script


async def test_the_widget_files_are_served(app) -> None:
    for name, kind in (("widget.js", "javascript"), ("site.css", "css")):
        _, response = await app.asgi_client.get(f"/static/web/{name}")
        assert response.status == 200
        assert kind in response.headers["content-type"]


async def test_the_test_login_page_lists_demo_citizens_with_masked_cpr_only(app, db: AsyncSession) -> None:
    await seed_registers(db)
    _, response = await app.asgi_client.get("/auth/dev?lang=da")
    page = response.text
    assert response.status == 200
    assert translate("da", ui_texts.DEV_LOGIN_TITLE) in page
    assert "Aviaja Lyberth" in page and "070886-xxxx" in page
    assert "Hans Lyberth" not in page  # household members are not citizens who log in here
    visible = re.sub(r'<input type="hidden"[^>]*>', "", page)
    assert AVIAJA not in visible  # the full number is only the form's hidden value
    assert "unsafe-inline" not in response.headers["content-security-policy"]


async def test_names_on_the_test_login_page_are_escaped(app, db: AsyncSession) -> None:
    await seed_registers(db)
    from sqlalchemy import update

    from backend.models.registers import Person

    await db.execute(update(Person).where(Person.cpr == AVIAJA).values(name="<b>Aviaja</b>"))
    await db.commit()
    _, response = await app.asgi_client.get("/auth/dev")
    assert "<b>Aviaja</b>" not in response.text
    assert "&lt;b&gt;Aviaja&lt;/b&gt;" in response.text
