"""inissiaq backend: citizen gateway, registers, applications, messaging and caseworker inbox."""
