"""The energy service."""
