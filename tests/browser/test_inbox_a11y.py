"""The caseworker's inbox and the citizen's pages in headless Chromium: axe-core finds no accessibility
violations of any impact level on the start page, the inbox login, the list, the application page with
the citizen's documents and their previews, the message thread page (opened by a secure message from the
application page), and on the way through a one-time link: the link page, the development eID login,
the confirmation page and the page after "Do not connect". A caseworker switches the inbox from Danish to
Greenlandic to English with the keyboard and reads its texts and dates in each language."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from backend.nlg import translate
from backend.web import ui_texts
from scripts.stack import Stack
from tests.backend.documents.samples import pdf, png
from tests.browser.pages import accessibility_violations, main_text, new_page, texts_of, wait_for_main
from tests.conftest import DEV_PASSWORD, Citizen, Providers, applications_of, fresh_totp
from tests.e2e.test_phone_channels import LINK, Phone

pytestmark = pytest.mark.browser

KARL = "1809643694"  # INI A/S tenant with a Greenlandic phone in the register; used only here
CASEWORKER = "caseworker2"  # its language is changed here, so not the one the other inbox tests use
LARS = "Lars Geisler"  # in the person register without a tenancy; logs in only here
# What Karl sends before the caseworker opens his application: a PDF and a photo, each with a preview.
KARLS_DOCUMENTS = (
    ("lejekontrakt.pdf", pdf(1, text="Lejekontrakt Karl Kreutzmann"), "application/pdf"),
    ("loenseddel.png", png(300, 400, colour="white"), "image/png"),
)
# Brings the first preview not yet loaded into view (they load lazily, when seen); true once all have.
PREVIEWS_LOADED = """
const previews = Array.from(document.querySelectorAll('img.document-preview'));
const waiting = previews.filter(function (image) { return !(image.complete && image.naturalWidth > 0); });
if (waiting.length) { waiting[0].scrollIntoView(); }
return previews.length === arguments[0] && waiting.length === 0;
"""


def active(browser: WebDriver) -> WebElement:
    return browser.switch_to.active_element


def tab_to(browser: WebDriver, wanted: Callable[[WebElement], bool], *, limit: int = 60) -> WebElement:
    for _ in range(limit):
        element = active(browser)
        if wanted(element):
            return element
        element.send_keys(Keys.TAB)
    raise AssertionError("never reached the wanted element with Tab")


def page_language(browser: WebDriver) -> str:
    """The `lang` of the page's <html>, read in one step."""
    return browser.execute_script("return document.documentElement.lang;") or ""


def test_the_start_page_and_the_inbox_login_have_no_accessibility_violations(
    stack: Stack, browser: WebDriver
) -> None:
    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/")
    assert accessibility_violations(browser) == []
    browser.get(f"{stack.backend_url}/inbox/login")
    assert page_language(browser) == "da"
    assert accessibility_violations(browser) == []


def test_the_one_time_link_pages_and_the_development_login_have_no_accessibility_violations(
    stack: Stack, providers: Providers, browser: WebDriver
) -> None:
    phone = Phone(stack, providers, "+299559941")
    (link,) = LINK.findall(phone.say("Hvad er status på min ansøgning?"))

    browser.delete_all_cookies()
    browser.get(link)
    assert accessibility_violations(browser) == []
    language = page_language(browser)
    log_in = tab_to(browser, lambda e: e.text == translate(language, ui_texts.LINK_LOG_IN))
    with new_page(browser):
        log_in.send_keys(Keys.ENTER)
    assert "/auth/dev" in browser.current_url
    assert accessibility_violations(browser) == []

    person = tab_to(browser, lambda e: e.tag_name == "button" and LARS in e.text)
    with new_page(browser):
        person.send_keys(Keys.ENTER)
    assert "/l/confirm" in browser.current_url and LARS in main_text(browser)
    assert accessibility_violations(browser) == []

    language = page_language(browser)
    do_not_connect = tab_to(browser, lambda e: e.text == translate(language, ui_texts.LINK_DO_NOT_CONNECT))
    with new_page(browser):
        do_not_connect.send_keys(Keys.ENTER)
    assert texts_of(browser, "h1") == [translate(language, ui_texts.LINK_CANCELLED_TITLE)]
    assert accessibility_violations(browser) == []


def test_the_inbox_pages_have_no_violations_and_switch_language_by_keyboard(
    stack: Stack, browser: WebDriver
) -> None:
    citizen = Citizen(stack, language="da")
    try:
        citizen.say("Jeg vil gerne søge om boligsikring")
        citizen.login(KARL)
        citizen.resume()
        for _ in range(3):  # dwelling, household, the registered phone
            citizen.say("ja")
        citizen.say("/affirm")
        [application] = applications_of(stack, KARL)
        reference = application["reference"]
        for name, data, content_type in KARLS_DOCUMENTS:
            sent = citizen.client.post("/api/chat/attachments", files={"file": (name, data, content_type)})
            assert sent.status_code == 201, sent.text
    finally:
        citizen.close()

    browser.delete_all_cookies()
    browser.get(f"{stack.backend_url}/inbox/login")
    browser.find_element(By.NAME, "username").send_keys(CASEWORKER)
    browser.find_element(By.NAME, "password").send_keys(DEV_PASSWORD)
    with new_page(browser):
        browser.find_element(By.NAME, "totp").send_keys(fresh_totp(CASEWORKER) + Keys.ENTER)
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "live-status"))

    browser.get(f"{stack.backend_url}/inbox?filter=all")
    assert reference in main_text(browser)
    assert accessibility_violations(browser) == []

    browser.get(f"{stack.backend_url}/inbox/applications/{reference}")
    for name, _, _ in KARLS_DOCUMENTS:
        assert name in main_text(browser)
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(PREVIEWS_LOADED, len(KARLS_DOCUMENTS)))
    assert accessibility_violations(browser) == []
    # A secure message from the application page opens a thread with the citizen.
    question = "Send venligst din lejekontrakt."
    browser.find_element(By.ID, "message-text").send_keys(question)
    with new_page(browser):
        browser.find_element(By.XPATH, "//button[text()='Send besked']").click()
    wait_for_main(browser, question, timeout=20)

    browser.get(f"{stack.backend_url}/inbox/messages?filter=all")
    with new_page(browser):
        browser.find_element(By.LINK_TEXT, "Karl Kreutzmann").click()
    wait_for_main(browser, question, timeout=20)
    assert accessibility_violations(browser) == []

    browser.get(f"{stack.backend_url}/inbox/applications/{reference}")

    today = datetime.now(ZoneInfo("America/Nuuk")).date()
    expected = {
        # language: (option typed in the switch, a heading, the date as it reads in that language)
        "da": ("Dansk", "Oplysninger", f"{format_date(today, 'long', locale='da_DK')} kl. "),
        "kl": ("Kalaallisut", "Paasissutissat", f"{format_date(today, 'long', locale='kl_GL')} nal. "),
        "en": ("English", "Facts", f"{format_date(today, 'long', locale='en_GB')} at "),
    }
    try:
        for language in ("da", "kl", "en"):
            option, heading, date_text = expected[language]
            if language != "da":
                switch = tab_to(browser, lambda e: e.get_attribute("id") == "inbox-language")
                switch.send_keys(option)
                button = tab_to(browser, lambda e: e.get_attribute("type") == "submit")
                with new_page(browser):
                    button.send_keys(Keys.ENTER)
                assert page_language(browser) == language
            assert f"/inbox/applications/{reference}" in browser.current_url
            headings = texts_of(browser, "h2")
            assert heading in headings, (language, headings)
            assert date_text in main_text(browser), (language, date_text)
            assert not re.search(r"\d{4}-\d{2}-\d{2}T", main_text(browser))  # no ISO time stamps shown
    finally:
        browser.get(f"{stack.backend_url}/inbox")  # back to Danish for whoever logs in as them next
        select = browser.find_element(By.ID, "inbox-language")
        select.send_keys("Dansk")
        with new_page(browser):
            browser.find_element(By.CSS_SELECTOR, "form.language-switch button").click()
        assert page_language(browser) == "da"
