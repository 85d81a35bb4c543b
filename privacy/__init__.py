"""Helpers shared by the backend (Python 3.11), Rasa and the action server (Python 3.10).

Standard library only and Python 3.10 compatible: every process imports this package, and the Rasa
environment has none of the backend's dependencies (nor the backend's its).
"""
