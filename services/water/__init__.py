"""The water service."""
