"""What the service holds about one person, across every store (subject-access requests)."""
