"""Conversations across channels: who owns them, who is logged in, their language and transcript."""
