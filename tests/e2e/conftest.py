"""End-to-end tests use the `stack` and `citizen` fixtures of tests/conftest.py."""
