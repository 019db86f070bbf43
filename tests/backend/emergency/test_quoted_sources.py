"""The rules quote their seeds word for word: the texts the code carries are in the seeds."""

from backend.emergency.services import DRILL_RULE_TEXT
from backend.training.services import CERTIFICATION_RULE_TEXT
from tests.checklists.helpers import shared_file

SEED_001 = ("seeds", "001_da2ca16290986cb7.txt")
SEED_004 = ("seeds", "004_57840bfd1e155050.txt")


def test_item_17_is_quoted_word_for_word():
    line = shared_file(*SEED_004).read_text("utf-8").splitlines()[38]  # S004:L39
    assert line.startswith("17.") and DRILL_RULE_TEXT in line


def test_the_certification_target_is_quoted_word_for_word():
    line = shared_file(*SEED_001).read_text("utf-8").splitlines()[26]  # S001:L27
    assert CERTIFICATION_RULE_TEXT in line
