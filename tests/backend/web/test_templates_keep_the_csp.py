"""The pages' Content-Security-Policy allows styles only from a nonce'd <style> block
(web/security.py): a `style="…"` attribute in a template is silently dropped by the browser,
so none may be written."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[3] / "backend" / "templates"
INLINE_STYLE = re.compile(r"""\sstyle\s*=\s*["']""")


def test_no_template_carries_an_inline_style_attribute():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE_STYLE.search(line)
    ]
    assert offenders == []
