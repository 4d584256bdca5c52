"""The sectors' parts of the simulated world: one plug-in module per sector.

Each module ``<sector>.py`` declares ``PLUGIN`` (a ``SectorPlugin``, see
``services.simulator.domain.plugin`` for how to write one). ``services.simulator.data``
discovers them all, so adding a sector adds a module here and edits nothing else. Modules whose
name starts with ``_`` are helpers, not plug-ins.
"""
