"""Documents in headless Chromium: a caseworker asks for the lease on the application page, the citizen
sends it in the widget with the keyboard only (Tab to the labelled file input; the file chosen as the
file chooser would), the widget confirms it in the conversation, and the caseworker sees it with its
preview on the application page."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from scripts.stack import Stack
from tests.backend.documents.samples import pdf
from tests.browser.test_inbox import apply_in_danish, log_in
from tests.browser.test_widget import active, bot_messages, tab_to
from tests.conftest import fresh_totp

pytestmark = pytest.mark.browser

OLE = "0310770038"  # Iserit A/S tenant (Ole Heilmann); used by no other test
REQUEST = "Send venligst en kopi af din lejekontrakt."


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
    button.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: REQUEST in d.find_element(By.TAG_NAME, "main").text)

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
    main = browser.find_element(By.TAG_NAME, "main")
    assert "lejekontrakt.pdf" in main.text and "ikke scannet for malware" in main.text
    preview = browser.find_element(By.CSS_SELECTOR, "img.document-preview")
    browser.execute_script("arguments[0].scrollIntoView();", preview)  # previews load lazily, when seen
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", preview)
    )
