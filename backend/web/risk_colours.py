"""The four-colour risk summary (红 橙 黄 蓝: counts of risk points only) that the public page,
the board and the portal show alike (templates/_risk_colours.html)."""

from ..models import RISK_COLOUR_LABELS, RISK_COLOURS, RISK_LEVELS


def colour_rows(counts: dict[str, int]) -> list[dict]:
    """One row per level, highest first: its colour, labels and count."""
    return [
        {
            "level": level,
            "label": label,
            "colour": RISK_COLOURS[level],
            "colour_label": RISK_COLOUR_LABELS[RISK_COLOURS[level]],
            "count": counts.get(level, 0),
        }
        for level, label in RISK_LEVELS.items()
    ]
