"""Cross-cutting pieces every app shares: the business error type and API conventions."""
