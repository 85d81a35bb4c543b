"""The page's and the widget's texts, as catalog msgids (translated in locales/ to kl, da and sv).

`WIDGET_TEXTS` is what the widget fetches as JSON (`GET /ui-texts?language=da`) to relabel itself.
"""

from __future__ import annotations

from backend.nlg import LANGUAGES, N_, translate

# NOTE: Link at the very top of every page, seen when moving with the keyboard: jumps past the header.
SKIP_TO_CONTENT = N_("Skip to the content")
# NOTE: Title of the start page and of the browser tab.
PAGE_TITLE = N_("Housing benefit (boligsikring)")
# NOTE: Introduction on the start page, above the button that opens the chat.
PAGE_INTRO = N_(
    "Apply for housing benefit, ask about the rules or see the status of your application. "
    "The assistant answers in Greenlandic, Danish and Swedish."
)
# NOTE: Button on the start page that opens the chat window.
OPEN_CHAT = N_("Chat with the assistant")
# NOTE: Button that closes the chat window.
CLOSE_CHAT = N_("Close the chat")
# NOTE: Heading of the chat window.
CHAT_TITLE = N_("Housing benefit assistant")
# NOTE: Name of the list of messages, read by screen readers.
LOG_LABEL = N_("Conversation")
# NOTE: Label of the text field where the citizen writes.
INPUT_LABEL = N_("Your message")
# NOTE: Button that sends the citizen's message.
SEND = N_("Send")
# NOTE: Shown when an answer takes more than about two seconds.
WORKING = N_("The assistant is working…")
# NOTE: Read by screen readers while the answer is on its way.
TYPING = N_("The assistant is writing")
# NOTE: Label before the citizen's own messages (for screen readers).
SENDER_CITIZEN = N_("You")
# NOTE: Label before the assistant's messages (for screen readers).
SENDER_BOT = N_("Assistant")
# NOTE: Label before a caseworker's messages (for screen readers).
SENDER_CASEWORKER = N_("Caseworker")
# NOTE: Name of the group of language buttons.
LANGUAGE_LABEL = N_("Language")
# NOTE: The browser could not reach the service at all (no connection).
NETWORK_ERROR = N_("The message could not be sent. Please check your connection and try again.")
# NOTE: Link that ends the citizen's login on this device.
LOG_OUT = N_("Log out")
# NOTE: Shown in the chat after the citizen logged out: the conversation is gone from this screen.
LOGGED_OUT = N_("You are logged out. The conversation has been removed from this screen.")
# NOTE: The name of the language in the language itself: do not translate.
# NOTE: Button in the chat that opens the file chooser to send documents (a lease, payslips) to the municipality.
ATTACH = N_("Send documents")
# NOTE: Short help next to the button that sends documents: which files can be sent.
ATTACH_HINT = N_("PDF, or photos as JPEG or PNG. You can choose several files.")
# NOTE: Shown while a file is being sent, before the file's name and how far it has come (for example "45 %").
UPLOAD_SENDING = N_("Sending")
# NOTE: A file could not be sent because the connection failed. Try again.
UPLOAD_FAILED = N_("The file could not be sent. Please check your connection and try again.")
NAME_KL = N_("Kalaallisut")
# NOTE: The name of the language in the language itself: do not translate.
NAME_DA = N_("Dansk")
# NOTE: The name of the language in the language itself: do not translate.
NAME_SV = N_("Svenska")

# NOTE: Heading of the development login page, which stands in for eID. Keep "TEST".
DEV_LOGIN_TITLE = N_("TEST LOGIN (development only)")
# NOTE: Text of the development login page.
DEV_LOGIN_INTRO = N_(
    "This page stands in for the eID login while the service runs in development mode; it does not "
    "exist in production. Choose a demo citizen to log in as."
)
# NOTE: Button on the development login page. {name} is a person's name.
DEV_LOGIN_AS = N_("Log in as {name}")
# NOTE: The CPR number given on the development login page is not in the register.
DEV_LOGIN_UNKNOWN = N_("That person is not in the register.")
# NOTE: Heading when login is not possible because eID is not set up.
EID_NOT_CONFIGURED_TITLE = N_("Login is not available")
# NOTE: Text when login is not possible because eID is not set up.
EID_NOT_CONFIGURED_TEXT = N_(
    "Login with eID is not configured on this service yet. Please try again later or contact the municipality."
)
# NOTE: Heading of the page shown when an eID login did not succeed.
EID_FAILED_TITLE = N_("Login did not succeed")
# NOTE: eID login page: the citizen cancelled the login at the eID provider.
EID_CANCELLED_TEXT = N_(
    "You cancelled the login. Nothing has changed. You can go back to the chat and try again."
)
# NOTE: eID login page: the login took too long, was started in another window, or was used already.
EID_EXPIRED_TEXT = N_(
    "The login took too long or was started in another window. Please go back to the chat and log in again."
)
# NOTE: eID login page: the answer from the eID provider could not be verified.
EID_REFUSED_TEXT = N_(
    "The login could not be verified. Please go back to the chat and try again. "
    "If it happens again, contact the municipality."
)
# NOTE: eID login page: the eID was used at a lower level of assurance than this service needs.
EID_LOW_ASSURANCE_TEXT = N_(
    "This service needs a login with a higher level of security. "
    "Please log in again with an eID at level substantial or high."
)
# NOTE: eID login page: the eID login did not include a CPR number.
EID_NO_CPR_TEXT = N_(
    "The login did not include your CPR number, so we cannot find you. Please contact the municipality."
)
# NOTE: eID login page: the person who logged in is not in the person register.
EID_UNKNOWN_PERSON_TEXT = N_(
    "We cannot find you in the person register, so you cannot continue here. Please contact the municipality."
)
# NOTE: eID login page: the eID provider could not be reached.
EID_UNAVAILABLE_TEXT = N_("The eID service cannot be reached right now. Please try again in a few minutes.")
# NOTE: Link on the eID login pages back to the chat on the start page.
EID_BACK_TO_CHAT = N_("Back to the chat")

LANGUAGE_NAMES = {"kl": NAME_KL, "da": NAME_DA, "sv": NAME_SV}
WIDGET_TEXTS: dict[str, str] = {
    "page_title": PAGE_TITLE,
    "page_intro": PAGE_INTRO,
    "open_chat": OPEN_CHAT,
    "close_chat": CLOSE_CHAT,
    "chat_title": CHAT_TITLE,
    "log_label": LOG_LABEL,
    "input_label": INPUT_LABEL,
    "send": SEND,
    "working": WORKING,
    "typing": TYPING,
    "sender_citizen": SENDER_CITIZEN,
    "sender_bot": SENDER_BOT,
    "sender_caseworker": SENDER_CASEWORKER,
    "language_label": LANGUAGE_LABEL,
    "network_error": NETWORK_ERROR,
    "log_out": LOG_OUT,
    "logged_out": LOGGED_OUT,
    "attach": ATTACH,
    "attach_hint": ATTACH_HINT,
    "upload_sending": UPLOAD_SENDING,
    "upload_failed": UPLOAD_FAILED,
}


def widget_texts(language: str) -> dict[str, str]:
    """Every widget text in `language` (kl, da or sv)."""
    return {key: translate(language, msgid) for key, msgid in WIDGET_TEXTS.items()}


def language_names() -> dict[str, str]:
    """Each language's own name, for the language buttons (the same in every language)."""
    return {code: translate(code, LANGUAGE_NAMES[code]) for code in LANGUAGES}


# NOTE: Page title when a one-time login link (sent by SMS or Telegram) was used already or expired.
LINK_INVALID_TITLE = N_("This link cannot be used")
# NOTE: Page text for a used or expired one-time link.
LINK_INVALID_TEXT = N_(
    "The link has already been used or has expired. Write to us again by SMS or Telegram to get a new link."
)
# NOTE: Page title after logging in through a one-time link from SMS or Telegram.
LINK_DONE_TITLE = N_("You are logged in")
# NOTE: Page text after logging in through a one-time link: the conversation continues on the phone.
LINK_DONE_TEXT = N_(
    "Go back to your SMS or Telegram conversation: the assistant continues there. You can close this page."
)

# NOTE: Page title when a one-time link from SMS or Telegram is opened: connect that phone or account?
LINK_CONFIRM_TITLE = N_("Connect to your eID login?")
# NOTE: One-time link page. {number} is a partly hidden phone number, e.g. "+299 55 ** 34".
LINK_CONNECT_PHONE = N_("Connect the phone {number} to your eID login?")
# NOTE: One-time link page. {name} is the Telegram account's name (e.g. "Aviaja L."); {chat} a partly hidden chat number.
LINK_CONNECT_TELEGRAM_NAMED = N_('Connect the Telegram account "{name}" (chat {chat}) to your eID login?')
# NOTE: One-time link page, when the Telegram account's name is not known. {chat} is a partly hidden chat number.
LINK_CONNECT_TELEGRAM = N_("Connect the Telegram chat {chat} to your eID login?")
# NOTE: One-time link page before login: what connecting means and that a login comes first.
LINK_LOGIN_FIRST = N_(
    "Then the assistant can show your applications and messages in that conversation. "
    "First log in with eID; you will be asked once more before anything is connected."
)
# NOTE: Button on the one-time link page before login.
LINK_LOG_IN = N_("Log in to continue")
# NOTE: One-time link page after login. {name} is the logged-in citizen's name.
LINK_LOGGED_IN_AS = N_("You are logged in as {name}.")
# NOTE: One-time link page after login: what connecting means.
LINK_CONFIRM_TEXT = N_(
    "When you connect, the assistant can show your applications and messages in that conversation. "
    "Only connect a phone or Telegram account that is your own."
)
# NOTE: Button that connects the SMS or Telegram conversation to the logged-in citizen.
LINK_CONNECT = N_("Connect")
# NOTE: Button that leaves the one-time link page without connecting anything.
LINK_DO_NOT_CONNECT = N_("Do not connect")
# NOTE: One-time link page: how to report a link the citizen did not ask for. {contact} is the municipality's contact.
LINK_NOT_REQUESTED = N_(
    "Did you not ask for this link yourself? Then do not connect, and tell the municipality: {contact}."
)
# NOTE: Page title after the citizen chose not to connect the phone or Telegram account.
LINK_CANCELLED_TITLE = N_("Nothing was connected")
# NOTE: Page text after the citizen chose not to connect the phone or Telegram account.
LINK_CANCELLED_TEXT = N_(
    "The phone or Telegram account was not connected to your login. You can close this page."
)

# NOTE: Shown in the chat when the citizen comes back after the login ended because nothing happened for a while.
SESSION_ENDED = N_(
    "You were logged out because nothing happened for a while. To continue, please log in again."
)
# NOTE: Button under the message that the login ended: opens the eID login again.
LOG_IN_AGAIN = N_("Log in again")
