"""The operator's side of dexsim: the ``dexsim`` command, scenario runs, the supervisor, the local
broker, the bench and the registry of service manifests.

It sits above everything else: it imports ``shared`` and ``services``; nothing imports it back.
"""
