"""Scrape /metrics while the app is under load: one inspector uploads photos by tus (the way
the app does) while `run.py` pushes inspections from N devices, and the sync and upload
figures are read from /metrics every few seconds (issue 20: "/metrics shows the sync and
upload figures during the load benchmark").

    METRICS_TOKEN=… xuncha serve --port 8000 --no-scheduler &
    .venv/bin/python bench/load/run.py --base-url http://127.0.0.1:8000 --devices 8 --duration 40 &
    .venv/bin/python bench/load/metrics_during_load.py --base-url http://127.0.0.1:8000 \
        --metrics-token … --duration 40
"""

import argparse
import hashlib
import io
import json
import os
import threading
import time
import urllib.request

from PIL import Image
from prometheus_client.parser import text_string_to_metric_families
from tusclient.client import TusClient

SERIES = (
    "xuncha_sync_pushed_records_total",
    "xuncha_sync_rejected_records_total",
    "xuncha_upload_bytes_total",
    "xuncha_http_requests_total",
)


def scrape(base_url: str, token: str) -> dict[str, float]:
    """The figures of interest, summed over their labels (requests: the sync endpoint only)."""
    request = urllib.request.Request(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    totals = dict.fromkeys(SERIES, 0.0)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name not in totals:
                continue
            endpoint = sample.labels.get("endpoint", "")
            if sample.name == "xuncha_http_requests_total" and not endpoint.startswith("sync."):
                continue
            totals[sample.name] += sample.value
    return totals


def login(base_url: str, username: str, password: str) -> str:
    body = (
        f'{{"username": "{username}", "password": "{password}", "device_id": "metrics-bench"}}'
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["access_token"]


def photo() -> bytes:
    """A 640×480 JPEG of noise: a different SHA-256 each time, about 100 KB."""
    image = Image.frombytes("RGB", (640, 480), os.urandom(640 * 480 * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def upload_photos(base_url: str, token: str, until: float, sent: list[int]) -> None:
    client = TusClient(f"{base_url}/api/v1/uploads", headers={"Authorization": f"Bearer {token}"})
    while time.monotonic() < until:
        data = photo()
        sha256 = hashlib.sha256(data).hexdigest()
        uploader = client.uploader(
            file_stream=io.BytesIO(data), chunk_size=64 * 1024, metadata={"sha256": sha256}
        )
        uploader.upload()
        sent.append(len(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--metrics-token", required=True)
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--every", type=float, default=5)
    parser.add_argument("--username", default="inspector")
    parser.add_argument("--password", default="demo-inspector-pass")
    args = parser.parse_args()
    token = login(args.base_url, args.username, args.password)
    until = time.monotonic() + args.duration
    sent: list[int] = []
    uploads = threading.Thread(target=upload_photos, args=(args.base_url, token, until, sent))
    first = scrape(args.base_url, args.metrics_token)
    started = time.monotonic()
    uploads.start()
    print("seconds  pushed_records  rejected  upload_bytes  sync_requests")
    while uploads.is_alive():
        time.sleep(args.every)
        now = scrape(args.base_url, args.metrics_token)
        delta = {name: now[name] - first[name] for name in SERIES}
        print(
            f"{time.monotonic() - started:7.0f}  {delta[SERIES[0]]:14.0f}  {delta[SERIES[1]]:8.0f}"
            f"  {delta[SERIES[2]]:12.0f}  {delta[SERIES[3]]:13.0f}"
        )
    uploads.join()
    print(f"photos uploaded: {len(sent)}, {sum(sent)} bytes sent by the uploader")


if __name__ == "__main__":
    main()
