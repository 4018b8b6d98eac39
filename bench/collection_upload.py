"""The collection's uploads: the time to process a 20 MB photograph, and the story
form's latency while the task worker processes photographs.

1. In this process (no server): a noisy ~20 MB JPEG with EXIF and GPS; the request's
   part (`items.item_add`: size, type by content, the name, stored as sent) and the
   worker's part (`items.item_process`: decode, turn upright, re-encode without
   metadata, store), each timed `--repeat` times.
2. With a server on --port (granian, one worker process, two threads, as `make run`
   runs it per core) and the task worker (`manage.py db_worker`): the story form is
   requested (GET, and POST of a valid save) without pause, first idle, then while
   `--photos` 20 MB photographs are uploaded one after the other and processed by the
   worker; p50/p95 of the form in each phase, the upload request's time, and the time
   from each upload's answer to its item being ready.

    DATABASE_URL=postgres://… python bench/collection_upload.py [--photos 4] [--port 8111]
    … bench/collection_upload.py --video 60 --photos 1 --repeat 1   (a 720p video instead)

Uses the database of DATABASE_URL (migrated first) and settings.dev (DEBUG on: static
files served by Django, templates not cached: a pessimistic server). Prints figures,
then one JSON line.
"""

import argparse
import io
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.dev")
PRIVATE = tempfile.mkdtemp(prefix="collection-bench-")


def photo(target_mb: float = 20.0) -> bytes:
    """A noisy JPEG of about `target_mb` MB (noise does not compress), with EXIF/GPS."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 51.0, 24.0), 1: "N"}
    exif[0x010F] = "Bench camera"
    width, height = 4800, 3600  # 17 Mpx
    noise = Image.frombytes("RGB", (width // 2, height // 2), os.urandom(width * height * 3 // 4))
    image = noise.resize((width, height))
    quality = 97
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    scale = (target_mb * 1024 * 1024 / len(out.getvalue())) ** 0.5
    if abs(scale - 1) > 0.05:
        size = (int(width * scale), int(height * scale))
        image = Image.frombytes(
            "RGB", (size[0] // 2, size[1] // 2), os.urandom(size[0] * size[1] * 3 // 4)
        ).resize(size)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, exif=exif.tobytes())
    return out.getvalue()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def in_process(data: bytes, repeat: int, name: str = "p.jpg") -> dict:
    from django.conf import settings

    settings.COLLECTION_PRIVATE_ROOT = PRIVATE
    from liberation.collection import items
    from liberation.collection.factories import story_make
    from liberation.collection.models import Item

    story, _token = story_make(email="bench@example.org")
    request_ms, worker_ms = [], []
    real_enqueue = items.item_process_enqueue
    items.item_process_enqueue = lambda item_id: None
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            item = items.item_add(story_id=story.pk, name=name, data=data, caption="c")
            request_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            assert items.item_process(item_id=item.pk) == "ready"
            worker_ms.append((time.perf_counter() - start) * 1000)
            item.refresh_from_db()
            out = item.size
            items.item_delete(story_id=story.pk, item_public_id=item.public_id)
    finally:
        items.item_process_enqueue = real_enqueue
        Item.objects.filter(story=story).delete()
        story.delete()
    return {
        "request_ms_median": round(statistics.median(request_ms), 1),
        "worker_ms_median": round(statistics.median(worker_ms), 1),
        "worker_ms_max": round(max(worker_ms), 1),
        "bytes_out": out,
    }


def serve(port: int) -> list[subprocess.Popen]:
    env = {**os.environ, "COLLECTION_BENCH_PRIVATE": PRIVATE, "REGISTRATION_RATE_LIMIT": ""}
    py = sys.executable
    web = subprocess.Popen(
        [py, "-m", "granian", "--interface", "wsgi", "bench.collection_upload:application"]
        + ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        + ["--blocking-threads", "2", "--no-ws", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [py, "-c", "import bench.collection_upload as b; b.worker()"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    return [web, worker]


def _bench_settings() -> None:
    """In the server and worker children: the same private folder, no rate limit."""
    from django.conf import settings

    settings.COLLECTION_PRIVATE_ROOT = os.environ["COLLECTION_BENCH_PRIVATE"]
    settings.REGISTRATION_RATE_LIMIT = None


def _wsgi():
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    _bench_settings()
    return get_wsgi_application()


if os.environ.get("COLLECTION_BENCH_PRIVATE") and __name__ != "__main__":
    application = _wsgi()


def worker() -> None:
    import django

    django.setup()
    _bench_settings()
    from django.core.management import call_command

    call_command("db_worker", interval=0.2, reload=False)


def form_loop(base: str, token: str, stop: threading.Event, out: list) -> None:
    import requests

    session = requests.Session()
    url = f"{base}/fr/collection/c/{token}/story/"
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', session.get(url).text).group(1)
    values = {"title": "Banc d'essai", "summary": "S", "date_from": "1944-06-07"}
    values |= {"commune": "14047", "language": "fr", "csrfmiddlewaretoken": csrf}
    n = 0
    while not stop.is_set():
        start = time.perf_counter()
        if n % 2:
            response = session.post(
                url, data=values, headers={"Referer": url}, allow_redirects=False
            )
            assert response.status_code == 303, response.status_code
        else:
            assert session.get(url).status_code == 200
        out.append((time.perf_counter() - start) * 1000)
        n += 1


def with_server(
    data: bytes, port: int, photos: int, idle_seconds: float, name: str = "photo.jpg"
) -> dict:
    import requests

    from liberation.collection.factories import story_make
    from liberation.collection.models import Item

    story, token = story_make(email="bench-server@example.org")
    base = f"http://127.0.0.1:{port}"
    children = serve(port)
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/fr/collection/contribute/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        # Idle: the form alone.
        idle: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=form_loop, args=(base, token, stop, idle))
        thread.start()
        time.sleep(idle_seconds)
        stop.set()
        thread.join()
        # Busy: uploads one after the other, the worker processing them.
        busy: list[float] = []
        stop = threading.Event()
        thread = threading.Thread(target=form_loop, args=(base, token, stop, busy))
        thread.start()
        uploader = requests.Session()
        items_url = f"{base}/fr/collection/c/{token}/items/"
        page = uploader.get(items_url).text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        upload_ms, answered = [], []
        for n in range(photos):
            start = time.perf_counter()
            response = uploader.post(
                items_url,
                data={"caption": f"Photo {n}", "csrfmiddlewaretoken": csrf},
                files={"file": (name, data, "application/octet-stream")},
                headers={"Referer": items_url},
                allow_redirects=False,
            )
            assert response.status_code == 303, response.status_code
            upload_ms.append((time.perf_counter() - start) * 1000)
            answered.append(time.perf_counter())
        ready_at: dict[int, float] = {}
        deadline = time.perf_counter() + 600
        while len(ready_at) < photos and time.perf_counter() < deadline:
            for pk, state in Item.objects.filter(story=story).values_list("pk", "state"):
                if state != Item.State.PROCESSING and pk not in ready_at:
                    ready_at[pk] = time.perf_counter()
            time.sleep(0.05)
        stop.set()
        thread.join()
        states = list(Item.objects.filter(story=story).values_list("state", flat=True))
        done = [ready_at[pk] for pk in sorted(ready_at)]
        lag = [(d - a) * 1000 for d, a in zip(done, answered, strict=False)]
    finally:
        for child in children:
            os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            child.wait(timeout=30)
        Item.objects.filter(story=story).delete()
        story.delete()
    return {
        "idle_requests": len(idle),
        "idle_p50_ms": round(pct(idle, 50), 1),
        "idle_p95_ms": round(pct(idle, 95), 1),
        "busy_requests": len(busy),
        "busy_p50_ms": round(pct(busy, 50), 1),
        "busy_p95_ms": round(pct(busy, 95), 1),
        "upload_request_ms_median": round(statistics.median(upload_ms), 1),
        "ready_after_answer_ms": [round(x) for x in lag],
        "items_ready": states.count(Item.State.READY),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--port", type=int, default=8111)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument(
        "--video",
        type=int,
        default=0,
        help="upload a generated 1280x720 video of this many seconds instead of photos",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    name = "photo.jpg"
    if args.video:
        from bench.collection_media import generate

        name = "video.mp4"
        with tempfile.TemporaryDirectory() as folder:
            path = generate(Path(folder), name, seconds=args.video, size="1280x720")
            data = path.read_bytes()
        print(f"video: {len(data) / 1024 / 1024:.1f} MB, {args.video} s 720p30 with GPS")
    else:
        data = photo()
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"file: {len(data) / 1024 / 1024:.1f} MB with EXIF/GPS; load {' '.join(load)}")
    local = in_process(data, args.repeat, name)
    print(
        f"request part (item_add): median {local['request_ms_median']} ms; "
        f"worker part (item_process): median {local['worker_ms_median']} ms, "
        f"max {local['worker_ms_max']} ms, {local['bytes_out'] / 1024 / 1024:.1f} MB out"
    )
    served = with_server(data, args.port, args.photos, args.idle_seconds, name)
    print(
        f"story form idle: p50 {served['idle_p50_ms']} ms, p95 {served['idle_p95_ms']} ms "
        f"({served['idle_requests']} requests)"
    )
    print(
        f"story form while {args.photos} {name} upload and process: p50 {served['busy_p50_ms']} "
        f"ms, p95 {served['busy_p95_ms']} ms ({served['busy_requests']} requests)"
    )
    print(
        f"upload request: median {served['upload_request_ms_median']} ms; ready after the "
        f"answer: {served['ready_after_answer_ms']} ms; {served['items_ready']} ready"
    )
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load after: {' '.join(load_after)}")
    print(
        json.dumps(
            {
                "bench": "collection_upload",
                "file": name,
                "file_mb": round(len(data) / 1024 / 1024, 1),
                **local,
                **served,
                "load_before": load,
                "load_after": load_after,
            }
        )
    )


if __name__ == "__main__":
    main()
