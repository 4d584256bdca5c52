"""The tourism service."""
