"""Web forms: they collect and clean input; the apps' services validate and write it."""
