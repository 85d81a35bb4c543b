"""Rasa-side code: the gateway input channel and the safety patches it installs.

Importing the package masks CPR and phone numbers in every log record of the Rasa process (Rasa
imports `bot.channels.gateway` while it reads bot/credentials.yml, before any conversation).
"""

from bot import logging_filter

logging_filter.install()
