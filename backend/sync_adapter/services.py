"""The server side of WatermelonDB sync, as the sync endpoint uses it: scoped pulls from the
change log, pushes applied through the same domain services as the online API.

The parts live in the modules beside this one:

- `serializers.py`    each synced record's columns as a device receives them
- `tables.py`         the synced tables and their pull scopes (who receives which records)
- `pull.py`           the pull: first sync, then the change log since `last_pulled_at`
- `push.py`           the push: one savepoint per record, refused records kept, 409 on conflict
- `push_adapters.py`  each device-created table's records applied through its domain
- `pushed_fields.py`  reading a pushed record's fields (unreadable refuses the record)
- `rejections.py`     refused records, kept bounded for the device and for review
- `change_log.py`     change tracking: what changed, in commit order, and where

This module only re-exports their public names, so importers need not know the split.
"""

from .pull import pull
from .push import apply_push
from .push_adapters import PUSH_ADAPTERS
from .tables import PULL_TABLES, TABLES, PullTable

__all__ = ["PULL_TABLES", "PUSH_ADAPTERS", "TABLES", "PullTable", "apply_push", "pull"]
