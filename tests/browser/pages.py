"""Reading inbox pages without racing their live updates or a navigation.

An inbox page replaces the content of its <main> when a server-sent event says something changed
(backend/inbox/static/live-updates.js), and a submitted form navigates to a new page. An element
found before either is stale after it, and a test that finds an element and then reads it races both.
These helpers read what a test needs in one script run inside the page, which the page's own scripts
cannot interrupt, and wait for a navigation to finish before the next page is read. axe-core, run the
same way, checks a page for accessibility violations.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from scripts.stack import ROOT

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"

# A script can meet a page whose document is being replaced (Chrome then answers with one error or
# another); the next poll reads the new one. A condition that never holds still ends in a timeout.
_RETRY = (WebDriverException,)


def main_text(browser: WebDriver) -> str:
    """The rendered text of the page's <main>, read in one step ("" while there is none)."""
    text = browser.execute_script("var m = document.querySelector('main'); return m ? m.innerText : '';")
    return text or ""


def texts_of(browser: WebDriver, selector: str) -> list[str]:
    """The rendered text of every element matching `selector`, read in one step."""
    found = browser.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), function (e) { return e.innerText; });",
        selector,
    )
    return list(found or [])


def wait_for_main(browser: WebDriver, text: str, timeout: float = 30) -> str:
    """Wait until <main> shows `text`; returns the whole text then."""
    shown: list[str] = []

    def shows(driver: WebDriver) -> bool:
        shown[:] = [main_text(driver)]
        return text in shown[0]

    WebDriverWait(browser, timeout, ignored_exceptions=_RETRY).until(shows)
    return shown[0]


@contextmanager
def new_page(browser: WebDriver, timeout: float = 30) -> Iterator[None]:
    """Around an action that navigates (a submitted form): afterwards, the new page has loaded.

    The old page is marked with a token on its `window`; a new document has a new `window`. (Waiting
    for an element of the old page to go stale asks Chrome about a node of a document being replaced,
    which it sometimes answers with an error of its own instead of "stale".)"""
    token = uuid.uuid4().hex
    browser.execute_script("window.__inissiaqPage = arguments[0];", token)
    yield
    WebDriverWait(browser, timeout, ignored_exceptions=_RETRY).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && window.__inissiaqPage !== arguments[0];", token
        )
    )


def accessibility_violations(browser: WebDriver) -> list[tuple[str, str, list[str]]]:
    """axe-core's violations of every impact level on the current page: (rule, impact, first targets)."""
    browser.execute_script(AXE.read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));"
    )
    assert isinstance(result, list), result
    return [(v["id"], v["impact"], [str(n["target"]) for n in v["nodes"][:3]]) for v in result]
