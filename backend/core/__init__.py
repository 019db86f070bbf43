"""What every domain may use and that knows no domain: events (and, as the restructure goes on,
the database session, errors, scope, workflow and HTTP helpers)."""
