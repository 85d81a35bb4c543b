"""Several documents at once in the widget, in headless Chromium, with the keyboard only.

A logged-in citizen chooses Swedish with the widget's language buttons, then chooses two files in the
widget's file input (Tab to it; the files set as the file chooser sets them). Each file gets a progress
bar named by the file's name as soon as the files are chosen; the files are sent one after the other,
and each bar is full once its file has been sent. The page's XMLHttpRequest is wrapped so that the
backend's answer to each upload reaches the widget only when the test releases it: the file is stored,
but the widget still shows its full bar, so the progress can be read without racing the upload. Each
answer replaces its bar with one receipt in the conversation's language; both files are stored for the
person. axe-core finds no violations of any impact level in the open widget of a logged-in citizen:
with the upload control, with the progress bars and with the receipts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from backend.documents.texts import RECEIVED
from backend.nlg import translate
from backend.web.ui_texts import UPLOAD_SENDING
from scripts.stack import Stack
from tests.backend.documents.samples import pdf, png
from tests.browser.pages import accessibility_violations, texts_of
from tests.browser.test_widget import active, bot_messages, tab_to, wait_for_more_bot_messages
from tests.conftest import backend_rows

pytestmark = pytest.mark.browser

LINNEA = "3107882680"  # Linnea Lindqvist, INI A/S tenant, Swedish-speaking; used by no other test

# Every upload's answer (the XMLHttpRequest's "load") is held until window.releaseAnswer() is called.
HOLD_UPLOAD_ANSWERS = """
const Original = window.XMLHttpRequest;
window.heldAnswers = [];
window.XMLHttpRequest = function () {
  const request = new Original();
  const listen = request.addEventListener.bind(request);
  request.addEventListener = function (type, listener, options) {
    if (type !== 'load') { return listen(type, listener, options); }
    return listen(type, function (event) {
      window.heldAnswers.push(function () { listener.call(request, event); });
    }, options);
  };
  return request;
};
window.releaseAnswer = function () {
  const next = window.heldAnswers.shift();
  if (next) { next(); }
  return Boolean(next);
};
"""

# The upload list as the citizen's screen reader has it, read in one step: each bar's accessible name
# (the text that labels it), value and maximum.
UPLOADS = """
return Array.from(document.querySelectorAll('#chat-uploads li'), function (item) {
  const bar = item.querySelector('progress');
  const label = bar && document.getElementById(bar.getAttribute('aria-labelledby'));
  return {name: label ? label.textContent : null, value: bar ? bar.value : null, max: bar ? bar.max : null};
});
"""


def uploads(browser: WebDriver) -> list[dict[str, Any]]:
    return list(browser.execute_script(UPLOADS) or [])


def bot_texts(browser: WebDriver) -> list[str]:
    return texts_of(browser, "#chat-log .message.bot .text")


def test_a_citizen_sends_two_documents_at_once_with_the_keyboard_and_sees_each_ones_progress_and_receipt(
    stack: Stack, browser: WebDriver, tmp_path: Path
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/auth/dev")
    tab_to(browser, lambda e: e.tag_name == "button" and "Linnea Lindqvist" in e.text).send_keys(Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "chat-attach").is_displayed())
    # Whatever the page asked for when it loaded has been answered (the language buttons wait for it).
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "chat-typing").get_attribute("hidden"))

    before = len(bot_messages(browser))
    tab_to(browser, lambda e: e.get_attribute("data-language") == "sv").send_keys(Keys.ENTER)
    wait_for_more_bot_messages(browser, before)
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script("return document.documentElement.lang;") == "sv"
    )
    assert accessibility_violations(browser) == []  # logged in: the upload control is shown

    lease = tmp_path / "hyreskontrakt.pdf"
    lease.write_bytes(pdf(2, text="Hyreskontrakt Linnea Lindqvist"))
    payslip = tmp_path / "lonebesked.png"
    payslip.write_bytes(png(300, 400, colour="white"))
    browser.execute_script(HOLD_UPLOAD_ANSWERS)
    earlier = len(bot_texts(browser))

    def receipts(driver: WebDriver) -> list[str]:
        return bot_texts(driver)[earlier:]

    chooser = tab_to(browser, lambda e: e.get_attribute("id") == "chat-file")
    chooser.send_keys(f"{lease}\n{payslip}")  # what choosing both files in the chooser does

    sending = translate("sv", UPLOAD_SENDING)
    # Both files are listed at once; the first is sent (its bar full), the second waits its turn.
    shown = WebDriverWait(browser, 60).until(
        lambda d: (
            (listed := uploads(d)) and len(listed) == 2 and listed[0]["value"] == listed[0]["max"] and listed
        )
    )
    assert [item["name"] for item in shown] == [f"{sending} hyreskontrakt.pdf", f"{sending} lonebesked.png"]
    assert shown[0]["max"] == 100 and shown[1]["value"] == 0
    assert accessibility_violations(browser) == []  # with the progress bars

    assert browser.execute_script("return window.releaseAnswer();")
    # The first bar gives way to its receipt; the second file is sent in turn, its bar full.
    WebDriverWait(browser, 60).until(
        lambda d: (
            len(receipts(d)) == 1
            and (listed := uploads(d))
            and [item["name"] for item in listed] == [f"{sending} lonebesked.png"]
            and listed[0]["value"] == listed[0]["max"]
        )
    )
    assert browser.execute_script("return window.releaseAnswer();")
    WebDriverWait(browser, 60).until(lambda d: len(receipts(d)) == 2 and uploads(d) == [])

    assert receipts(browser) == [
        translate("sv", RECEIVED, filename="hyreskontrakt.pdf"),
        translate("sv", RECEIVED, filename="lonebesked.png"),
    ]
    assert translate("sv", RECEIVED, filename="x") != RECEIVED.format(filename="x")  # Swedish, not the source
    WebDriverWait(browser, 10).until(lambda d: active(d).get_attribute("id") == "chat-file")
    stored = backend_rows(
        stack,
        "SELECT filename, content_type, channel FROM attachments WHERE person_cpr = $1 ORDER BY received_at",
        LINNEA,
    )
    assert [(row["filename"], row["content_type"], row["channel"]) for row in stored] == [
        ("hyreskontrakt.pdf", "application/pdf", "web"),
        ("lonebesked.png", "image/png", "web"),
    ]
    assert accessibility_violations(browser) == []  # with the receipts
