"""Provider clients behind small interfaces (`backend.clients.base`): Twilio SMS, Telegram, SMTP, and
the development sink. Only the outbox worker calls them."""
