"""The durable outbox: the only way a message leaves the service (SMS, Telegram, e-mail).

`service` queues messages and records what providers report; `worker` sends them, in order per
recipient, with retries; `inbound` is the queue of webhook messages waiting for a bot turn.
"""
