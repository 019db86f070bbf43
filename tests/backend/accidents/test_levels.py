"""条例 第三条: the level is the highest that deaths, serious injuries or the direct economic
loss reaches; "以上" includes the number, "以下" excludes it — so each threshold belongs to the
higher level. Each threshold is tested one below, at, and one above."""

import pytest

from backend.accidents.services import (
    INVESTIGATED_BY_LEVEL,
    REPORTED_UP_TO_BY_LEVEL,
    accident_level,
)

YUAN = 100  # fen
WAN = 10_000 * YUAN


@pytest.mark.parametrize(
    ("deaths", "level"),
    [
        (0, "general"),
        (2, "general"),
        (3, "larger"),
        (4, "larger"),
        (9, "larger"),
        (10, "major"),
        (11, "major"),
        (29, "major"),
        (30, "especially_major"),
        (31, "especially_major"),
    ],
)
def test_deaths_decide_at_3_10_30(deaths, level):
    assert accident_level(deaths, 0, 0) == level


@pytest.mark.parametrize(
    ("serious_injuries", "level"),
    [
        (9, "general"),
        (10, "larger"),
        (11, "larger"),
        (49, "larger"),
        (50, "major"),
        (51, "major"),
        (99, "major"),
        (100, "especially_major"),
        (101, "especially_major"),
    ],
)
def test_serious_injuries_decide_at_10_50_100(serious_injuries, level):
    assert accident_level(0, serious_injuries, 0) == level


@pytest.mark.parametrize(
    ("loss_fen", "level"),
    [
        (1_000 * WAN - 1, "general"),
        (1_000 * WAN, "larger"),
        (1_000 * WAN + 1, "larger"),
        (5_000 * WAN - 1, "larger"),
        (5_000 * WAN, "major"),
        (5_000 * WAN + 1, "major"),
        (10_000 * WAN - 1, "major"),
        (10_000 * WAN, "especially_major"),
        (10_000 * WAN + 1, "especially_major"),
    ],
)
def test_direct_loss_decides_at_10_million_50_million_100_million_yuan(loss_fen, level):
    assert accident_level(0, 0, loss_fen) == level


@pytest.mark.parametrize(
    ("deaths", "serious_injuries", "loss_fen", "level"),
    [
        (3, 50, 0, "major"),  # injuries above deaths
        (10, 0, 1_000 * WAN, "major"),  # deaths above loss
        (1, 9, 10_000 * WAN, "especially_major"),  # loss above both
        (2, 9, 1_000 * WAN - 1, "general"),  # all three just below 较大
    ],
)
def test_the_highest_of_the_three_decides(deaths, serious_injuries, loss_fen, level):
    assert accident_level(deaths, serious_injuries, loss_fen) == level


def test_reporting_and_investigating_levels_follow_articles_10_and_19():
    assert REPORTED_UP_TO_BY_LEVEL == {
        "especially_major": "state_council",
        "major": "state_council",
        "larger": "provincial",
        "general": "city",
    }
    assert INVESTIGATED_BY_LEVEL == {
        "especially_major": "state_council",
        "major": "provincial",
        "larger": "city",
        "general": "county",
    }
