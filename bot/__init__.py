"""Rasa-side code: the gateway input channel and the safety patches it installs.

Importing the package masks CPR numbers, phone numbers and e-mail addresses in every log record of
the Rasa process, tracebacks included (`privacy.log_masking`; Rasa imports `bot.channels.gateway`
while it reads bot/credentials.yml, before any conversation).
"""

from privacy import log_masking

log_masking.install()
