"""Typed event contracts: the envelope, one module per producing sector, and the topic registry."""
