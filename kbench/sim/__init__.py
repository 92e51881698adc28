"""The simulation core: the event engine (and, next, the API server and informers)."""
