"""Decode cost benchmark (security issue #13, row 13): compression ratios of phone-like photos
and of decompression bombs, and the peak memory of decoding them, before and after the bounds.

    .venv/bin/python bench/photos/decode_cost.py [--skip-heic]

Every memory measurement runs in a fresh child process, so its peak RSS (VmHWM) is its own.
"Before" switches the ratio check off (``max_ratio=inf``) and lets every thread decode at once;
"after" is the shipped default: the ratio check, and DecodeSlots(2) as MEDIA_DECODE_SLOTS.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

# Measure this checkout's code, whichever checkout the virtualenv was installed from.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.photos.run import machine_description, memory_kib, synthetic_photo
from media.errors import ImplausibleCompression
from media.imaging import DEFAULT_MAX_DECODE_RATIO, DEFAULT_RATIO_FREE_BYTES, DecodeSlots
from media.intake import inspect_image

PARALLEL = 8
KIB, MIB = 1024, 1024 * 1024


# --- the images ------------------------------------------------------------------------------


def scene(kind: str, size: tuple[int, int]) -> Image.Image:
    """phone-like: gradients + sensor noise; dark / plain-wall: a near-uniform scene with the
    little noise a phone leaves after its noise reduction (the best-compressing honest photos)."""
    if kind == "phone-like":
        return synthetic_photo(size)
    level = {"dark": 10, "plain-wall": 220}[kind]
    noise = Image.effect_noise(size, 2).point(lambda value: max(0, min(255, value - 128 + level)))
    return Image.merge("RGB", [noise] * 3)


def encoded(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def genuine_photos(skip_heic: bool) -> list[tuple[str, int, int, int]]:
    """(label, width, height, bytes) of phone-like photos in the formats phones write."""
    rows = []
    for size in ((4032, 3024), (8064, 6048)):
        for kind in ("phone-like", "dark", "plain-wall"):
            image = scene(kind, size)
            formats = [("JPEG q95", "JPEG", {"quality": 95}), ("JPEG q80", "JPEG", {"quality": 80})]
            if not skip_heic and size[0] == 4032:
                formats.append(("HEIC q50", "HEIF", {"quality": 50}))
            for label, image_format, options in formats:
                data = encoded(image, image_format, **options)
                megapixels = size[0] * size[1] / 1e6
                rows.append((f"{megapixels:.0f} MP {kind}, {label}", *size, len(data)))
    return rows


def write_bombs(folder: Path) -> dict[str, Path]:
    """The issue's two bombs: a flat ~50 MP PNG (~200 KiB) and a flat WebP of ~1 KiB."""
    bombs = {
        "png": (Image.new("RGBA", (7071, 7071), (255, 255, 255, 255)), "PNG", {"optimize": True}),
        "webp": (Image.new("RGB", (7000, 7000), "white"), "WEBP", {"lossless": True}),
    }
    paths = {}
    for name, (image, image_format, options) in bombs.items():
        paths[name] = folder / f"bomb.{name}"
        image.save(paths[name], image_format, **options)
    return paths


# --- measurements (each in a child process) --------------------------------------------------


def decode_in_parallel(path: str, bounded: bool) -> dict:
    """PARALLEL threads inspect the same file at once (as PARALLEL uploads would)."""
    baseline = memory_kib("VmRSS") / KIB
    slots = DecodeSlots(2 if bounded else PARALLEL)
    max_ratio = DEFAULT_MAX_DECODE_RATIO if bounded else math.inf
    outcomes: list[str] = []

    def one() -> None:
        try:
            with slots.hold():
                inspect_image(path, max_ratio=max_ratio)
            outcomes.append("accepted")
        except ImplausibleCompression:
            outcomes.append("refused")

    started = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "baseline_rss_mib": baseline,
        "peak_rss_mib": memory_kib("VmHWM") / KIB,
        "seconds": time.perf_counter() - started,
        "outcomes": sorted(set(outcomes)),
    }


def decode_with_slots_only(path: str) -> dict:
    """The ratio check off, DecodeSlots(2) on: what the bound alone saves for heavy images."""
    baseline = memory_kib("VmRSS") / KIB
    slots = DecodeSlots(2)

    def one() -> None:
        with slots.hold():
            inspect_image(path, max_ratio=math.inf)

    started = time.perf_counter()
    threads = [threading.Thread(target=one) for _ in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "baseline_rss_mib": baseline,
        "peak_rss_mib": memory_kib("VmHWM") / KIB,
        "seconds": time.perf_counter() - started,
        "outcomes": ["accepted"],
    }


def run_child(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def child_main(args: list[str]) -> None:
    mode, path = args
    if mode == "slots-only":
        result = decode_with_slots_only(path)
    else:
        result = decode_in_parallel(path, bounded=mode == "after")
    print(json.dumps(result))


# --- report ----------------------------------------------------------------------------------


def verdict(width: int, height: int, size: int) -> str:
    decoded = width * height * 3
    refused = decoded > DEFAULT_RATIO_FREE_BYTES and decoded > DEFAULT_MAX_DECODE_RATIO * size
    return "refused" if refused else "accepted"


def report(skip_heic: bool) -> str:
    lines = [
        f"Bounds: above {DEFAULT_RATIO_FREE_BYTES // MIB} MiB decoded, at most "
        f"{DEFAULT_MAX_DECODE_RATIO} decoded bytes (pixels x channels) per stored byte.",
        "",
        "| photo | size | decoded / stored | verdict |",
        "|---|---:|---:|---|",
    ]
    for label, width, height, size in genuine_photos(skip_heic):
        ratio = width * height * 3 / size
        lines.append(
            f"| {label} | {size / KIB:,.0f} KiB | {ratio:.0f} | {verdict(width, height, size)} |"
        )
    with tempfile.TemporaryDirectory() as folder:
        bombs = write_bombs(Path(folder))
        lines += [
            "",
            f"{PARALLEL} decodes at once in one process (peak RSS = VmHWM of a fresh process):",
            "",
            "| file | size | before: RSS baseline -> peak | slots only | after (default) |",
            "|---|---:|---|---|---|",
        ]
        for name, path in bombs.items():
            with Image.open(path) as image:
                width, height = image.size
                bands = len(image.getbands())
            before = run_child("before", str(path))
            slots_only = run_child("slots-only", str(path))
            after = run_child("after", str(path))
            size = path.stat().st_size
            lines.append(
                f"| {width}x{height} {name.upper()} ({bands} channels) | {size / KIB:,.1f} KiB "
                f"| {before['baseline_rss_mib']:.0f} -> {before['peak_rss_mib']:.0f} MiB "
                f"({before['seconds']:.1f} s) "
                f"| {slots_only['peak_rss_mib']:.0f} MiB ({slots_only['seconds']:.1f} s) "
                f"| {after['peak_rss_mib']:.0f} MiB, {'/'.join(after['outcomes'])} |"
            )
    lines += ["", "Machine:", "", *machine_description()]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-heic", action="store_true", help="HEIC encoding is slow")
    print(report(parser.parse_args().skip_heic))


if __name__ == "__main__":
    main()
