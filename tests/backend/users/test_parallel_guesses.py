"""Parallel password guesses cannot pass the login throttle: the check and the failure it
counts happen one attempt at a time (on PostgreSQL through an advisory lock, on SQLite through
its single writer), against the real database with real commits."""

import threading
import uuid
from collections import Counter

from sqlalchemy import delete

LIMIT = 3
GUESSES = 12


def test_parallel_guesses_cannot_pass_the_limit(app, database_url, tmp_path):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY, db
    from backend.models import LoginFailure

    guarded = create_app(
        {
            "DATABASE_URL": database_url,
            "MEDIA_ROOT": str(tmp_path / "media"),
            "TESTING": True,
            "LOGIN_MAX_FAILURES_PER_ACCOUNT": LIMIT,
        }
    )
    username = f"ghost-{uuid.uuid4().hex[:12]}"  # no such user: failures count all the same
    statuses: Counter = Counter()
    start = threading.Barrier(GUESSES)

    def guess(number: int) -> None:
        client = guarded.test_client()
        start.wait(timeout=30)
        response = client.post(
            "/api/v1/auth/token",
            json={"username": username, "password": f"guess number {number}"},
            environ_base={"REMOTE_ADDR": "10.9.9.1"},
        )
        statuses[response.status_code] += 1

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(GUESSES)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sum(statuses.values()) == GUESSES
        assert statuses[401] <= LIMIT, statuses  # verified at most LIMIT times
        assert statuses[401] + statuses[429] == GUESSES, statuses  # and nothing else (no 5xx)
    finally:
        with guarded.app_context():
            db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
            db.session.commit()
            db.session.remove()
        guarded.extensions[EXTENSION_KEY].dispose()
