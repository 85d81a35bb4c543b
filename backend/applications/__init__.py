"""Housing-benefit applications: prefilled drafts from the registers, submission, status."""
