"""The channel gateway: every citizen channel (web, SMS, Telegram) passes its messages through
`gateway.handle_citizen_message`, which talks to Rasa through `rasa_client`."""
