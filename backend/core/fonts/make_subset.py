"""Rebuild wqy-zenhei-gb2312.ttf: WenQuanYi Zen Hei cut down to ASCII and GB 2312 (with the
full-width punctuation the poster uses), outlines only (no embedded bitmaps, no hinting).

    pip install fonttools   # a build tool only; the app does not need it
    python backend/core/fonts/make_subset.py /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
"""

import contextlib
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
EXTRA = "·—“”‘’…、。《》「」『』【】〔〕（）：；，！？％℃№○"


def gb2312_and_ascii() -> str:
    chars = {chr(code) for code in range(0x20, 0x7F)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([high, low]).decode("gb2312"))
    return "".join(sorted(chars | set(EXTRA)))


def main(source: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as text:
        text.write(gb2312_and_ascii())
        text.flush()
        subprocess.run(
            [
                "pyftsubset",
                source,
                "--font-number=0",
                f"--text-file={text.name}",
                f"--output-file={HERE / 'wqy-zenhei-gb2312.ttf'}",
                "--drop-tables+=EBDT,EBLC,EBSC,gasp,hdmx,VDMX,LTSH",
                "--no-hinting",
                "--layout-features=",
                "--name-IDs=*",
                "--name-languages=*",
            ],
            check=True,
        )


if __name__ == "__main__":
    main(sys.argv[1])
