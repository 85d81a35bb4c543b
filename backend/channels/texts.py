"""The gateway's own notices to the citizen, as catalog msgids (translated in locales/ to kl, da, sv)."""

from __future__ import annotations

from backend.nlg import N_

# NOTE: The citizen's message was longer than allowed; nothing was sent. {limit} is a number.
TOO_LONG = N_("Your message is too long. Please write at most {limit} characters and send it again.")
# NOTE: The citizen sent an empty message (only spaces or invisible characters).
EMPTY_MESSAGE = N_("Please write a message.")
# NOTE: The assistant could not be reached. The citizen's message is kept; try again.
ASSISTANT_UNAVAILABLE = N_("Sorry, we could not reach the system just now. Please try again in a moment.")
# NOTE: The assistant answered nothing. Ask the citizen to try again or rephrase.
TRY_AGAIN = N_("Sorry, I have no answer to that right now. Please try again or write it in another way.")
# NOTE: A caseworker is handling the conversation; the assistant stays silent until they hand it back.
WAITING_FOR_CASEWORKER = N_("Thank you. A caseworker will answer you here as soon as possible.")
# NOTE: A caseworker has the conversation now and reads what the citizen writes.
CASEWORKER_HAS_CONVERSATION = N_("Thank you. Your message has been passed on to the caseworker.")
# NOTE: The conversation was closed by the municipality.
CONVERSATION_CLOSED = N_("This conversation has been closed by the municipality. Thank you for writing.")
# NOTE: The citizen sent many messages in a short time; this one was not handled. Wait about a minute.
TOO_MANY_MESSAGES = N_("You have sent many messages in a short time. Please wait a moment and try again.")

# NOTE: SMS answer to HELP. {contact} is how to reach the municipality. STOP and START stay in capitals.
SMS_HELP = N_(
    "Housing benefit assistant of the municipality. Write your question here. To reach the municipality: "
    "{contact}. Reply STOP to receive no more messages, START to receive them again."
)
# NOTE: SMS answer to STOP: the number gets nothing more from us. START stays in capitals.
SMS_OPTED_OUT = N_("You will receive no more messages from us. Reply START to receive messages again.")
# NOTE: SMS answer to START after STOP.
SMS_OPTED_IN = N_("Welcome back. You will receive messages from us again.")
# NOTE: Telegram: the citizen sent a picture, sticker or file; only text can be read.
ONLY_TEXT = N_("Sorry, I can only read text messages. Please write your question.")
# NOTE: Telegram: someone wrote to the assistant in a group or channel. It only answers in a private chat with one person.
PRIVATE_CHAT_ONLY = N_("Please write to me in a private chat. I do not answer in groups or channels.")
