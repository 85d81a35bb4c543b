"""Over the per-session chat limit the widget shows the backend's notice, in the citizen's language."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from backend.channels import texts
from backend.config import Settings
from backend.nlg import translate
from scripts.stack import Stack

pytestmark = pytest.mark.browser

LIMIT = Settings().chat_messages_per_minute  # the stack runs with the default

BURN = """
const done = arguments[arguments.length - 1];
const count = arguments[0];
const send = () => fetch('/api/chat/messages', {
  method: 'POST', credentials: 'same-origin',
  headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: ' ', language: 'da'})
}).then(r => r.status);
(async () => { const statuses = []; for (let i = 0; i < count; i++) { statuses.push(await send()); } done(statuses); })();
"""


def test_over_the_chat_limit_the_widget_shows_the_notice_in_the_citizens_language(
    stack: Stack, browser: WebDriver
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/?lang=da")
    browser.find_element(By.ID, "chat-open").click()
    if time.time() % 60 > 30:  # every turn of this test in one minute's window
        time.sleep(61 - time.time() % 60)
    field = browser.find_element(By.ID, "chat-input")
    field.send_keys("Hvad er boligsikring?", Keys.ENTER)
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot"))
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "chat-typing").get_attribute("hidden"))
    # The rest of the minute's turns, sent the way a script in the page could (blank: no Rasa turn).
    assert browser.execute_async_script(BURN, LIMIT - 1) == [200] * (LIMIT - 1)

    bot_messages = len(browser.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot"))
    field.send_keys("hej igen", Keys.ENTER)
    notice = translate("da", texts.TOO_MANY_MESSAGES)
    WebDriverWait(browser, 30).until(lambda d: d.find_element(By.ID, "chat-status").text == notice)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot")) == bot_messages
