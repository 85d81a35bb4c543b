"""The citizens' start page and chat widget (plain HTML, CSS and JavaScript; no build step)."""
