"""A caseworker's day in headless Chromium: a caseworker asks for the lease on the application page, the
citizen sends it in the widget with the keyboard only (Tab to the labelled file input; the file chosen as
the file chooser would), the widget confirms it in the conversation, and the caseworker sees it with its
preview on the application page, writes a journal note, sets a reminder in ten days and records the
decision; then the citizen asks for the status and is told the timeline in the conversation's language."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from backend.nlg.formatting import DECISION_WORDS, STATUS_WORDS
from backend.nlg.render import translate
from scripts.stack import Stack
from tests.backend.documents.samples import pdf
from tests.browser.pages import main_text, new_page, wait_for_main
from tests.browser.test_inbox import apply_in_danish, log_in
from tests.browser.test_widget import active, bot_messages, say, tab_to
from tests.conftest import applications_of, fresh_totp

pytestmark = pytest.mark.browser

OLE = "0310770038"  # Iserit A/S tenant (Ole Heilmann); used by no other test
REQUEST = "Send venligst en kopi af din lejekontrakt."
NOTE = "Lejekontrakten stemmer med registeret."
REMINDER = "Tjek om huslejen er ændret"


def submit_with_keyboard(browser: WebDriver, field_id: str) -> None:
    """Tab from the form's last field to its button and press Enter."""
    browser.find_element(By.ID, field_id).send_keys(Keys.TAB)
    button = active(browser)
    assert button.tag_name == "button"
    with new_page(browser):
        button.send_keys(Keys.ENTER)


def set_date(browser: WebDriver, field_id: str, day: date) -> None:
    """A date field gets its value as the browser's date picker sets it."""
    field = browser.find_element(By.ID, field_id)
    browser.execute_script("arguments[0].value = arguments[1];", field, day.isoformat())


def test_the_caseworker_asks_for_the_lease_and_the_citizen_sends_it_with_the_keyboard(
    stack: Stack, browser: WebDriver, tmp_path: Path
) -> None:
    citizen, reference = apply_in_danish(stack, OLE)
    citizen.close()
    page = f"{stack.backend_url}/inbox/applications/{reference}"

    browser.delete_all_cookies()
    log_in(browser, stack, fresh_totp("caseworker1"))
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "live-status"))
    browser.get(page)
    field = browser.find_element(By.ID, "document-request-text")
    field.send_keys(REQUEST)
    field.send_keys(Keys.TAB)
    button = active(browser)
    assert button.tag_name == "button" and button.text == "Anmod om dokumenter"  # caseworker1 reads Danish
    with new_page(browser):
        button.send_keys(Keys.ENTER)
    wait_for_main(browser, REQUEST)

    browser.get(f"{stack.backend_url}/auth/dev")
    tab_to(browser, lambda e: e.tag_name == "button" and "Ole Heilmann" in e.text).send_keys(Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "chat-attach").is_displayed())
    lease = tmp_path / "lejekontrakt.pdf"
    lease.write_bytes(pdf(2, text="Lejekontrakt Ole Heilmann"))
    before = len(bot_messages(browser))
    chooser = tab_to(browser, lambda e: e.get_attribute("id") == "chat-file")
    chooser.send_keys(str(lease))  # what choosing the file in the chooser does; no mouse involved
    WebDriverWait(browser, 60).until(
        lambda d: len(bot_messages(d)) > before and "lejekontrakt.pdf" in bot_messages(d)[-1].text
    )
    # In the conversation's language: this browser's conversation is new, so the default, Greenlandic.
    assert "Qujanaq" in bot_messages(browser)[-1].text
    WebDriverWait(browser, 10).until(lambda d: active(d).get_attribute("id") == "chat-file")

    browser.get(page)
    shown = main_text(browser)
    assert "lejekontrakt.pdf" in shown and "ikke scannet for malware" in shown
    preview = browser.find_element(By.CSS_SELECTOR, "img.document-preview")
    browser.execute_script("arguments[0].scrollIntoView();", preview)  # previews load lazily, when seen
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", preview)
    )

    # The caseworker's day goes on: a journal note, a reminder in ten days, the decision.
    browser.find_element(By.ID, "note-text").send_keys(NOTE)
    submit_with_keyboard(browser, "note-text")
    wait_for_main(browser, NOTE)
    set_date(browser, "task-due", date.today() + timedelta(days=10))
    browser.find_element(By.ID, "task-text").send_keys(REMINDER)
    submit_with_keyboard(browser, "task-text")
    wait_for_main(browser, REMINDER)
    Select(browser.find_element(By.ID, "decision")).select_by_value("granted")
    set_date(browser, "decided-on", date.today())
    browser.find_element(By.ID, "case-reference").send_keys("WF-2026-0042")
    submit_with_keyboard(browser, "case-reference")
    WebDriverWait(browser, 30).until(lambda d: applications_of(stack, OLE)[0]["status"] == "decided")
    wait_for_main(browser, "WF-2026-0042")

    # The citizen asks for the status in the chat (Greenlandic, the conversation's language).
    browser.get(f"{stack.backend_url}/")
    if not browser.find_element(By.ID, "chat-input").is_displayed():
        tab_to(browser, lambda e: e.get_attribute("id") == "chat-open").send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: active(d).get_attribute("id") == "chat-input")
    answer = " ".join(m.text for m in say(browser, "qinnuteqaatiga qanoq ippa?")[-2:])
    assert reference in answer
    for status in ("submitted", "received", "waiting_for_citizen", "decided"):
        assert translate("kl", STATUS_WORDS[status]) in answer, status
    assert translate("kl", DECISION_WORDS["granted"]) in answer
