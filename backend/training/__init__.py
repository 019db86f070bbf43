"""The enterprise's people, their certificates (持证上岗) and its safety training records."""
