"""The matching engine, stored matches, mismatch flags and their background tasks."""
