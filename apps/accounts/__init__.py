"""Users, organisations, memberships, roles and API keys."""
