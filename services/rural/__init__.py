"""The rural service."""
