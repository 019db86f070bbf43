"""The demo loads seed 004's campaign with progress to show on the board."""

from datetime import date

from sqlalchemy import select

from backend.campaigns import progress
from backend.demo import CAMPAIGN_TITLE, seed_activity, seed_demo
from backend.models import Campaign, User
from tests.backend.web.test_pages import log_in, text


def test_the_demo_campaign_has_seed_004s_phases_and_progress(client, session):
    logins = {login["username"]: login for login in seed_demo()}
    assert seed_activity()
    session.commit()

    campaign = session.scalar(select(Campaign).where(Campaign.title == CAMPAIGN_TITLE))

    assert [(p.name, p.starts_on, p.ends_on) for p in campaign.phases] == [
        ("动员部署", date(2026, 1, 1), date(2026, 4, 30)),
        ("自查自纠", date(2026, 5, 1), date(2026, 6, 30)),
        ("严格执法", date(2026, 7, 1), date(2026, 10, 31)),
        ("巩固提升", date(2026, 11, 1), date(2026, 12, 31)),
    ]
    assert campaign.checklist_codes == ["duty31"]
    assert campaign.target_count == 12  # every demo enterprise is in a key industry
    figures = progress.totals(campaign)
    assert (figures.self_inspected, figures.supervised, figures.rechecked) == (1, 3, 1)
    self_check = {phase.name: f for phase, f in progress.by_phase(campaign)}["自查自纠"]
    assert self_check.self_inspected == 1

    supervisor = logins["supervisor"]
    user = session.scalar(select(User).where(User.username == supervisor["username"]))
    assert log_in(client, "board", user, supervisor["password"]).status_code in (302, 303)
    page = client.get(f"/board/campaigns/{campaign.id}")
    assert page.status_code == 200 and CAMPAIGN_TITLE in text(page)
