"""The caseworker inbox in headless Chromium: login with password and TOTP, answering a citizen's
secure message on the application page, and the list updating without a reload (server-sent events)
when a new application arrives."""

from __future__ import annotations

import pyotp
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from scripts.stack import Stack
from tests.browser.pages import main_text, new_page, texts_of, wait_for_main
from tests.conftest import DEV_PASSWORD, DEV_TOTP_SECRET, Citizen, applications_of, fresh_totp, texts

pytestmark = pytest.mark.browser

KUUPIK = "1906972468"  # INI A/S tenant born 19.06 (caseworker1's range); used only here
UJARAK = "0508701472"  # INI A/S tenant born 05.08; used only here
CASEWORKER_COOKIE = "inissiaq_cw"


def apply_in_danish(stack: Stack, cpr: str) -> tuple[Citizen, str]:
    """A citizen applies through the chat (the register's data confirmed); the reference."""
    citizen = Citizen(stack, language="da")
    citizen.say("Jeg vil gerne søge om boligsikring")
    citizen.login(cpr)
    citizen.resume()
    for _ in range(3):  # dwelling, household, the registered phone
        citizen.say("ja")
    citizen.say("/affirm")
    [application] = applications_of(stack, cpr)
    return citizen, application["reference"]


def log_in(browser: WebDriver, stack: Stack, code: str) -> None:
    browser.get(f"{stack.backend_url}/inbox/login")
    browser.find_element(By.NAME, "username").send_keys("caseworker1")
    browser.find_element(By.NAME, "password").send_keys(DEV_PASSWORD)
    browser.find_element(By.NAME, "totp").send_keys(code)
    with new_page(browser):
        browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_a_caseworker_logs_in_with_password_and_totp_and_answers_a_message(
    stack: Stack, browser: WebDriver
) -> None:
    citizen, reference = apply_in_danish(stack, KUUPIK)
    try:
        citizen.say("/leave_message")
        # A statement, not one of the questions the assistant answers itself (those it answers first).
        sent = texts(citizen.say("Min søn Hans er flyttet hjemmefra den 1. november."))
        assert "sendt" in sent

        browser.delete_all_cookies()
        wrong = f"{(int(pyotp.TOTP(DEV_TOTP_SECRET).now()) + 500000) % 1000000:06d}"
        log_in(browser, stack, wrong)
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-error"))
        assert browser.get_cookie(CASEWORKER_COOKIE) is None
        assert "/inbox/login" in browser.current_url

        log_in(browser, stack, fresh_totp("caseworker1"))
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "live-status"))
        cookie = browser.get_cookie(CASEWORKER_COOKIE)
        assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        browser.get(f"{stack.backend_url}/inbox/applications/{reference}")
        assert "Min søn Hans er flyttet hjemmefra den 1. november." in main_text(browser)
        answer = "Vi behandler den i denne uge. Venlig hilsen kommunen"
        browser.find_element(By.CSS_SELECTOR, "textarea[name=text]").send_keys(answer)
        with new_page(browser):
            browser.find_element(
                By.XPATH, "//button[text()='Send besked']"
            ).click()  # caseworker1 reads Danish
        assert "/messages" not in browser.current_url  # back on the application page
        wait_for_main(browser, answer, timeout=20)
        assert answer in texts(citizen.say("/read_messages"))  # the citizen reads it in the chat
    finally:
        citizen.close()


def test_the_list_shows_a_new_application_without_a_reload(stack: Stack, browser: WebDriver) -> None:
    if browser.get_cookie(CASEWORKER_COOKIE) is None:
        log_in(browser, stack, fresh_totp("caseworker1"))
        WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "live-status"))
    browser.get(f"{stack.backend_url}/inbox?filter=all")
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.TAG_NAME, "table"))
    browser.execute_script("window.notReloaded = true;")

    citizen, reference = apply_in_danish(stack, UJARAK)
    citizen.close()

    wait_for_main(browser, reference)
    assert browser.execute_script("return window.notReloaded === true;")
    assert "Ny ansøgning" in texts_of(browser, "#live-status")[0]
