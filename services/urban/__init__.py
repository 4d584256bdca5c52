"""The urban service."""
