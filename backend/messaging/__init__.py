"""Secure messages (seed 002 "Meddelande IFO") and their neutral notifications."""
