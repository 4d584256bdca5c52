"""Stream tests drive a service's agents with faust's test_context (tests/factories/runtime.py)."""
