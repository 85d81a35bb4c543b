"""Local stand-ins for Twilio's and Telegram's HTTP APIs that check requests as the real APIs do.
The real client libraries talk to them; nothing in the test suite reaches the internet."""
