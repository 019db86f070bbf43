"""The checklists library stands alone: importing it never loads the backend."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_checklists_never_imports_backend():
    code = (
        "import sys, checklists, checklists.cli\n"
        "checklists.shipped_checklists()\n"
        "loaded = sorted(m for m in sys.modules if m == 'backend' or m.startswith('backend.'))\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
