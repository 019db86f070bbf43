"""Photo pipeline benchmark: derivative throughput (draft vs full decode) and intake memory.

    .venv/bin/python bench/photos/run.py [--iterations 5]

Every measurement runs in a fresh child process, so its peak RSS (VmHWM) is its own and not
left over from an earlier one. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import PIL
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from media.derivatives import make_derivatives
from media.intake import inspect_image, receive
from media.storage import LocalStorage

PHOTO_SIZE = (4000, 3000)
STREAM_BYTES = 50 * 1024 * 1024
MIB = 1024 * 1024


# --- the synthetic photo ---------------------------------------------------------------------


def synthetic_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Xiaomi"
    exif[ExifTags.Base.Model] = "23127PN0CC"
    details = exif.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.DateTimeOriginal] = "2024:05:01 14:03:22"
    details[ExifTags.Base.OffsetTimeOriginal] = "+08:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (IFDRational(31), IFDRational(13), IFDRational(4842, 100))
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (IFDRational(121), IFDRational(28), IFDRational(2532, 100))
    return exif


def synthetic_photo(size: tuple[int, int] = PHOTO_SIZE) -> Image.Image:
    """Gradients plus sensor-like noise: compresses to a phone-like 3-6 MB at quality 90."""
    horizontal = Image.linear_gradient("L").rotate(90).resize(size)
    vertical = Image.linear_gradient("L").resize(size)
    radial = Image.radial_gradient("L").resize(size)
    noise = Image.effect_noise(size, 24)
    channels = [Image.blend(gradient, noise, 0.35) for gradient in (horizontal, vertical, radial)]
    return Image.merge("RGB", channels)


def write_synthetic_jpeg(path: Path) -> Path:
    synthetic_photo().save(path, "JPEG", quality=90, exif=synthetic_exif())
    return path


# --- measurements (each run in a child process) ----------------------------------------------


def memory_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure_derivatives(photo: str, mode: str, iterations: int) -> dict:
    full_decode = mode == "full"
    with tempfile.TemporaryDirectory() as root:
        storage = LocalStorage(root)
        make_derivatives(photo, storage, "0" * 64, full_decode=full_decode)  # warm-up
        started = time.perf_counter()
        for index in range(iterations):
            make_derivatives(photo, storage, f"{index:064x}", full_decode=full_decode)
        elapsed = time.perf_counter() - started
    return {
        "sets_per_s": iterations / elapsed,
        "ms_per_set": 1000 * elapsed / iterations,
        "peak_rss_mib": memory_kib("VmHWM") / 1024,
    }


def measure_inspect(photo: str, iterations: int) -> dict:
    inspect_image(photo)
    started = time.perf_counter()
    for _ in range(iterations):
        inspect_image(photo)
    elapsed = time.perf_counter() - started
    return {"ms": 1000 * elapsed / iterations, "peak_rss_mib": memory_kib("VmHWM") / 1024}


class SyntheticBody:
    """A 50 MB request body produced on the fly from one 1 MiB block (like a socket)."""

    def __init__(self, total: int):
        self.block = os.urandom(MIB)
        self.remaining = total

    def read(self, size: int = -1) -> bytes:
        size = min(size if size and size > 0 else MIB, self.remaining, MIB)
        self.remaining -= size
        return self.block[:size]


def measure_receive(with_tracemalloc: bool) -> dict:
    body = SyntheticBody(STREAM_BYTES)
    baseline_kib = memory_kib("VmRSS")
    with tempfile.TemporaryDirectory() as spool:
        if with_tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        received = receive(body, None, max_bytes=STREAM_BYTES, spool_dir=spool)
        elapsed = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if with_tracemalloc else None
        tracemalloc.stop()
        received.discard()
    return {
        "mb_per_s": STREAM_BYTES / MIB / elapsed,
        "tracemalloc_peak_kib": traced_peak / 1024 if traced_peak is not None else None,
        "baseline_rss_mib": baseline_kib / 1024,
        "peak_rss_mib": memory_kib("VmHWM") / 1024,
    }


def run_child(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def child_main(args: list[str]) -> None:
    kind = args[0]
    if kind == "derivatives":
        result = measure_derivatives(args[1], args[2], int(args[3]))
    elif kind == "inspect":
        result = measure_inspect(args[1], int(args[2]))
    else:
        result = measure_receive(with_tracemalloc=args[1] == "traced")
    print(json.dumps(result))


# --- report ----------------------------------------------------------------------------------


def machine_description() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    ram_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return [
        f"- CPU: {cpu}, nproc = {os.cpu_count()}",
        f"- RAM: {ram_kib / 1024 / 1024:.1f} GiB",
        f"- Python {platform.python_version()}, Pillow {PIL.__version__}, "
        f"{platform.system()} {platform.release()}",
    ]


def report(photo: Path, iterations: int) -> str:
    draft = run_child("derivatives", str(photo), "draft", str(iterations))
    full = run_child("derivatives", str(photo), "full", str(iterations))
    inspect = run_child("inspect", str(photo), str(iterations))
    traced = run_child("receive", "traced")
    plain = run_child("receive", "plain")
    size_mib = photo.stat().st_size / MIB
    lines = [
        f"Synthetic photo: {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG (12 MP), {size_mib:.1f} MiB, "
        f"EXIF orientation 6 + GPS; one set = thumb (320 px) + preview (1600 px), JPEG q82; "
        f"{iterations} iterations after a warm-up, each measurement in a fresh process.",
        "",
        "| derivatives from a 12 MP JPEG | draft decode (default) | full decode | speed-up |",
        "|---|---:|---:|---:|",
        f"| sets per second | {draft['sets_per_s']:.2f} | {full['sets_per_s']:.2f} "
        f"| {draft['sets_per_s'] / full['sets_per_s']:.1f}x |",
        f"| ms per set | {draft['ms_per_set']:.0f} | {full['ms_per_set']:.0f} | |",
        f"| peak RSS of the process | {draft['peak_rss_mib']:.0f} MiB "
        f"| {full['peak_rss_mib']:.0f} MiB | |",
        "",
        "| intake | result |",
        "|---|---:|",
        f"| `inspect_image` (full-data decode at 1/8 scale + EXIF) | {inspect['ms']:.0f} ms, "
        f"peak RSS {inspect['peak_rss_mib']:.0f} MiB |",
        f"| `receive()` 50 MiB stream: throughput (hash + spool to disk) "
        f"| {plain['mb_per_s']:.0f} MiB/s |",
        f"| `receive()` 50 MiB stream: peak Python allocations (tracemalloc) "
        f"| {traced['tracemalloc_peak_kib']:.0f} KiB |",
        f"| `receive()` 50 MiB stream: RSS before -> peak "
        f"| {plain['baseline_rss_mib']:.0f} -> {plain['peak_rss_mib']:.0f} MiB |",
        "",
        "Machine:",
        "",
        *machine_description(),
    ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        photo = write_synthetic_jpeg(Path(folder) / "synthetic-12mp.jpg")
        print(report(photo, options.iterations))


if __name__ == "__main__":
    main()
