"""Demands posted by enterprises and their requirement profiles."""
