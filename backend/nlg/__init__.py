"""Every citizen-facing text, from the Babel catalogs under `locales/` (see docs/texts.md).

`translate(language, msgid, **arguments)` for any text marked with `N_()`;
`render_response(name, language, arguments, channel)` for the responses Rasa utters.
"""

from backend.nlg.locales import BABEL_LOCALES, LANGUAGES
from backend.nlg.markers import N_
from backend.nlg.render import RenderedButton, RenderedMessage, render_response, translate

__all__ = [
    "BABEL_LOCALES",
    "LANGUAGES",
    "N_",
    "RenderedButton",
    "RenderedMessage",
    "render_response",
    "translate",
]
