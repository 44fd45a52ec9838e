"""The groups module (see its issue). Not yet implemented: a run lists it as inactive."""
