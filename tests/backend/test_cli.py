import os
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from backend.cli import main
from backend.enterprises.uscc import uscc_problem
from backend.models import (
    AccountEvent,
    BadCreditRecord,
    BlacklistEntry,
    Campaign,
    Enterprise,
    Hazard,
    Inspection,
    Jurisdiction,
    MediaObject,
    Patrol,
    User,
)
from checklists.industries import KEY_INDUSTRIES, industry_matches

PASSPHRASE = "long passphrase for 巡查"  # passes the password policy


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner, url


def test_seed_demo_is_idempotent_and_prints_logins(cli_env):
    runner, url = cli_env
    first = runner.invoke(main, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "inspector" in first.output and "demo-inspector-pass" in first.output
    second = runner.invoke(main, ["seed-demo"])
    assert second.exit_code == 0, second.output
    engine = create_engine(url)
    with Session(engine) as session:
        levels = session.execute(
            select(Jurisdiction.level, func.count()).group_by(Jurisdiction.level)
        ).all()
        assert dict(levels) == {"district": 1, "street": 2, "area": 1, "grid": 4}
        enterprises = session.scalars(select(Enterprise)).all()
        assert len(enterprises) == 12
        assert all(uscc_problem(e.uscc) is None for e in enterprises)
        for industry in KEY_INDUSTRIES:
            assert any(industry_matches(industry, e.industry) for e in enterprises), industry
        roles = session.scalars(select(User.role)).all()
        assert sorted(roles) == sorted(
            [
                "admin",
                "supervisor",
                "inspector",
                "enterprise_manager",
                "enterprise_principal",
                "enterprise_viewer",
                "department_official",
                "grid_worker",
            ]
        )
        # A month of activity, made once: every page has something to show.
        assert "Demo activity loaded" in first.output and "Demo activity" not in second.output
        statuses = session.execute(
            select(Hazard.status, func.count()).group_by(Hazard.status)
        ).all()
        # The grid worker's second patrol reported one more (still reported).
        assert dict(statuses) == {"reported": 2, "rectifying": 1, "submitted": 1, "closed": 1}
        patrols = session.scalars(select(Patrol)).all()
        assert len(patrols) == 3
        # The supervision that found the hazards, and the campaign's (test_demo_campaign.py).
        (inspection,) = session.scalars(
            select(Inspection).where(Inspection.id.in_(select(Hazard.inspection_id)))
        ).all()
        assert (inspection.kind, inspection.status) == ("supervision", "finished")
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1
        (candidate,) = session.scalars(select(BadCreditRecord)).all()
        assert (candidate.trigger, candidate.status) == ("major_hazard_found", "proposed")
        assert session.scalar(select(BlacklistEntry.state)) == "published"
        assert session.scalar(select(func.count()).select_from(MediaObject)) == 4
    engine.dispose()


def test_create_user_command(cli_env):
    runner, url = cli_env
    ok = runner.invoke(
        main,
        ["create-user", "--username", "root", "--password", PASSPHRASE, "--role", "admin"],
    )
    assert ok.exit_code == 0, ok.output
    missing_scope = runner.invoke(
        main,
        ["create-user", "--username", "insp", "--password", PASSPHRASE, "--role", "inspector"],
    )
    assert missing_scope.exit_code != 0
    assert "jurisdiction" in missing_scope.output


def test_reset_password_command_forces_a_change_and_is_audited(cli_env):
    runner, url = cli_env
    created = ["create-user", "--username", "root", "--password", PASSPHRASE, "--role", "admin"]
    assert runner.invoke(main, created).exit_code == 0
    new = "another passphrase for 巡查"
    ok = runner.invoke(main, ["reset-password", "--username", "root", "--password", new])
    assert ok.exit_code == 0, ok.output
    unknown = runner.invoke(main, ["reset-password", "--username", "nobody", "--password", new])
    assert unknown.exit_code != 0 and "no user nobody" in unknown.output
    weak = runner.invoke(main, ["reset-password", "--username", "root", "--password", "short"])
    assert weak.exit_code != 0 and "12 characters" in weak.output
    engine = create_engine(url)
    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == "root"))
        assert user.must_change_password is True
        events = session.execute(
            select(AccountEvent.event, AccountEvent.actor_id, AccountEvent.source)
        ).all()
        assert events == [("password_reset", None, "cli")]
    engine.dispose()


def test_secret_key_is_generated_once_into_var(tmp_path, monkeypatch):
    from backend.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path))
    first = load_config()["SECRET_KEY"]
    second = load_config()["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_default_database_is_sqlite_under_var_with_wal_and_foreign_keys(tmp_path, monkeypatch):
    from backend.app import create_app
    from backend.core.db import EXTENSION_KEY

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path))
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'xuncha.db'}"
    assert app.config["MEDIA_ROOT"] == str(tmp_path / "media")
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    engine = app.extensions[EXTENSION_KEY]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_calendar_check_names_a_missing_year_and_accepts_a_configured_one(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("XUNCHA_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr("backend.core.timeutil.today_in_shanghai", lambda: date(2026, 12, 3))
    runner = CliRunner()
    missing = runner.invoke(main, ["calendar", "check"])
    assert missing.exit_code == 1
    assert "2026: covered" in missing.output and "2027: MISSING" in missing.output
    assert "HOLIDAYS" in missing.output
    monkeypatch.setenv("HOLIDAYS", "2027-01-01")
    covered = runner.invoke(main, ["calendar", "check"])
    assert covered.exit_code == 0, covered.output
    assert "2027: covered" in covered.output
