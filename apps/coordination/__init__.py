"""Reviews, introductions, the audit log, typical cases and dashboard figures."""
