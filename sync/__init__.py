"""The offline-sync protocol engine (WatermelonDB's sync protocol), free of Flask and backend.

`protocol` parses and shapes the wire format, `engine` applies a pushed batch record by record
through adapters the application registers, and `idempotency` implements the
Idempotency-Key rules. The backend plugs its tables in as adapters.
"""
