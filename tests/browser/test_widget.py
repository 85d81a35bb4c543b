"""The chat widget in real headless Chromium (Debian's chromium and chromedriver, driven by Selenium).

A citizen who uses only the keyboard opens the chat, asks to apply, follows the login link to the
development login, logs in, confirms the draft and sends the application; the application is then
in the database; then logs out with the widget's own control, which leaves nothing of the conversation
on the screen or behind the browser's cookie. axe-core checks the open widget for
accessibility violations of any impact level.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from scripts.stack import ROOT, Stack
from tests.conftest import applications_of

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PANINNGUAQ = "2102902345"  # Iserit A/S tenant with a phone in the register; used by no other test


def active(driver: WebDriver) -> WebElement:
    return driver.switch_to.active_element


def tab_to(driver: WebDriver, wanted: Callable[[WebElement], bool], *, limit: int = 80) -> WebElement:
    """Press Tab until the focused element is the wanted one (keyboard only, as a citizen would)."""
    for _ in range(limit):
        element = active(driver)
        if wanted(element):
            return element
        # Tab from whatever has the focus (send_keys on a file input would take the key for a path).
        ActionChains(driver).send_keys(Keys.TAB).perform()
    raise AssertionError("never reached the wanted element with Tab")


def bot_messages(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, "#chat-log .message.bot")


def wait_for_more_bot_messages(driver: WebDriver, before: int, timeout: float = 60) -> list[WebElement]:
    WebDriverWait(driver, timeout).until(
        lambda d: (
            len(bot_messages(d)) > before and d.find_element(By.ID, "chat-typing").get_attribute("hidden")
        )
    )
    return bot_messages(driver)


def say(driver: WebDriver, text: str) -> list[WebElement]:
    before = len(bot_messages(driver))
    field = driver.find_element(By.ID, "chat-input")
    assert active(driver) == field, "the input should have the focus after every answer"
    field.send_keys(text, Keys.ENTER)
    return wait_for_more_bot_messages(driver, before)


def test_a_citizen_applies_with_the_keyboard_only(stack: Stack, browser: WebDriver) -> None:
    browser.get(f"{stack.backend_url}/")
    tab_to(browser, lambda e: e.get_attribute("id") == "chat-open").send_keys(Keys.ENTER)
    messages = say(browser, "Jeg vil gerne søge om boligsikring")

    login_buttons = messages[-1].find_elements(By.TAG_NAME, "button")
    login = tab_to(browser, lambda e: e in login_buttons)
    assert "link" in (login.get_attribute("class") or "")  # the button opens the login page
    login.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: "/auth/dev" in d.current_url)

    tab_to(browser, lambda e: e.tag_name == "button" and "Paninnguaq Heilmann" in e.text).send_keys(
        Keys.ENTER
    )
    WebDriverWait(browser, 60).until(lambda d: d.current_url.split("?")[0].rstrip("/") == stack.backend_url)
    draft = WebDriverWait(browser, 60).until(
        lambda d: [m for m in bot_messages(d) if "Paninnguaq Heilmann" in m.text] and bot_messages(d)
    )
    assert any("210290-xxxx" in m.text for m in draft)
    WebDriverWait(browser, 30).until(lambda d: active(d).get_attribute("id") == "chat-input")

    say(browser, "ja")  # the dwelling is right
    say(browser, "ja")  # the household is right
    summary = say(browser, "ja")  # the registered phone is still right
    send_button = tab_to(
        browser, lambda e: e.tag_name == "button" and e in summary[-1].find_elements(By.TAG_NAME, "button")
    )
    before = len(bot_messages(browser))
    send_button.send_keys(Keys.ENTER)
    receipt = wait_for_more_bot_messages(browser, before)

    [application] = applications_of(stack, PANINNGUAQ)
    assert application["channel"] == "web"
    assert application["confirmations"] == {"dwelling": True, "household": True}
    assert application["reference"] in receipt[-1].text or any(
        application["reference"] in m.text for m in receipt
    )

    logout = tab_to(browser, lambda e: e.get_attribute("id") == "chat-logout")
    assert logout.is_displayed()
    logout.send_keys(Keys.ENTER)
    WebDriverWait(browser, 30).until(lambda d: not d.find_element(By.ID, "chat-logout").is_displayed())
    log = browser.find_element(By.ID, "chat-log")
    assert "Paninnguaq" not in log.text and application["reference"] not in log.text
    assert len(log.find_elements(By.CSS_SELECTOR, ".message")) == 1  # only "you are logged out"
    assert active(browser).get_attribute("id") == "chat-input"
    history = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/chat/history', {credentials: 'same-origin'}).then(r => r.json()).then(done);"
    )
    assert (history["conversation_id"], history["messages"]) == (None, [])


def test_the_open_widget_has_no_accessibility_violations(stack: Stack, browser: WebDriver) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/")
    tab_to(browser, lambda e: e.get_attribute("id") == "chat-open").send_keys(Keys.ENTER)
    say(browser, "Hvad er boligsikring?")
    browser.execute_script(Path(AXE).read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    assert isinstance(result, list), result
    # Of any impact level: minor and moderate ones too.
    assert [(v["id"], v["impact"], [str(n["target"]) for n in v["nodes"][:3]]) for v in result] == []
