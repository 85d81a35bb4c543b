"""Machine clients of the caseworker API: OAuth client credentials, scopes, webhooks."""
