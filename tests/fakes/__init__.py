"""Local stand-ins for Twilio's and Telegram's HTTP APIs that check requests as the real APIs do.
The real client libraries talk to them; nothing in the test suite reaches the internet.

- `tests.fakes.twilio_api.FakeTwilio(account_sid, auth_token)`: the Messages API.
- `tests.fakes.telegram_api.FakeTelegram(token)`: the Bot API methods the backend calls.
- `tests.fakes.server.FakeServer`: their base; `await start()` / `await stop()` in async tests,
  `start_in_thread()` / `stop_in_thread()` from synchronous ones; `.base_url` once constructed.
"""
