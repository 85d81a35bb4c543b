"""The widget never drops what the citizen sends.

- A message whose answer is lost on the way back is sent again, and answered once. The page's `fetch`
  is wrapped so that the first chat message really reaches the server (Rasa answers it and the answer
  is stored) but the browser sees a network error instead of the answer, as when the server instance
  stops before it could reply. The widget sends the same message again with the same id; the citizen
  sees one answer, and the conversation holds the message and its answer once.
- A message sent while the assistant is still working on the previous one (its answer is slowed down
  here) is sent once that answer has come, not ignored.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from scripts.stack import Stack

pytestmark = pytest.mark.browser

LOSE_FIRST_ANSWER = """
const original = window.fetch;
window.sentTurns = [];
let lost = false;
window.fetch = function (url, options) {
  const result = original.apply(this, arguments);
  if (String(url).indexOf('/api/chat/messages') < 0) { return result; }
  window.sentTurns.push(JSON.parse(options.body));
  if (lost) { return result; }
  lost = true;
  return result.then(function () { throw new TypeError('Failed to fetch'); });
};
"""

HISTORY = """
const done = arguments[arguments.length - 1];
fetch('/api/chat/history', {credentials: 'same-origin'}).then(r => r.json()).then(done);
"""


def test_a_lost_answer_is_fetched_again_with_the_same_message_id_and_the_turn_counts_once(
    stack: Stack, browser: WebDriver
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/?lang=da")
    browser.find_element(By.ID, "chat-open").click()
    browser.execute_script(LOSE_FIRST_ANSWER)

    browser.find_element(By.ID, "chat-input").send_keys("Hvad er boligsikring?", Keys.ENTER)
    WebDriverWait(browser, 60).until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot")
            and d.find_element(By.ID, "chat-typing").get_attribute("hidden")
        )
    )

    sent = browser.execute_script("return window.sentTurns;")
    assert len(sent) == 2, sent
    assert sent[0]["client_message_id"] == sent[1]["client_message_id"]
    assert len(sent[0]["client_message_id"]) == 32
    history = browser.execute_async_script(HISTORY)["messages"]
    citizen = [m["text"] for m in history if m["sender"] == "citizen"]
    bot = [m["text"] for m in history if m["sender"] == "bot"]
    assert citizen == ["Hvad er boligsikring?"]
    assert bot, history
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot")) == len(bot)
    assert browser.find_element(By.ID, "chat-status").text == ""


SLOW_ANSWERS = """
const original = window.fetch;
window.fetch = function (url) {
  const result = original.apply(this, arguments);
  if (String(url).indexOf('/api/chat/messages') < 0) { return result; }
  return result.then(function (response) {
    return new Promise(function (resolve) { setTimeout(function () { resolve(response); }, 3000); });
  });
};
"""


def test_a_message_sent_while_the_assistant_works_is_sent_when_the_answer_has_come(
    stack: Stack, browser: WebDriver
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/?lang=da")
    browser.find_element(By.ID, "chat-open").click()
    browser.execute_script(SLOW_ANSWERS)
    field = browser.find_element(By.ID, "chat-input")

    field.send_keys("Hvad er boligsikring?", Keys.ENTER)
    WebDriverWait(browser, 10).until(
        lambda d: not d.find_element(By.ID, "chat-typing").get_attribute("hidden")
    )
    field.send_keys("Hvilke dokumenter skal jeg bruge?", Keys.ENTER)  # while the first answer is on its way

    def both_answered() -> list[dict] | None:
        history = browser.execute_async_script(HISTORY)["messages"]
        citizen = [i for i, m in enumerate(history) if m["sender"] == "citizen"]
        answered = len(citizen) == 2 and any(m["sender"] == "bot" for m in history[citizen[1] :])
        return history if answered else None

    history = WebDriverWait(browser, 90).until(lambda d: both_answered())
    citizen = [m["text"] for m in history if m["sender"] == "citizen"]
    assert citizen == ["Hvad er boligsikring?", "Hvilke dokumenter skal jeg bruge?"]
    first, second = (i for i, m in enumerate(history) if m["sender"] == "citizen")
    assert any(m["sender"] == "bot" for m in history[first:second])  # the first was answered first
    assert field.get_attribute("value") == ""
