"""Web UI views, one module per user group; thin, they call the apps' selectors and services."""
