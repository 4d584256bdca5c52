"""Builders shared by the tests: the services' data as their adapters load it, events, runtimes."""
