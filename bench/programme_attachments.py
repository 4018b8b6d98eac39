"""Attachment checks: time to check and re-encode the files an organiser joins.

Measures `attachments.check_upload` (content sniffing, PDF scan for executables, image
decoding, re-encoding without metadata) on generated files: a 12-megapixel JPEG (a
phone photo, 4000×3000, noisy so that it does not compress to nothing), a 40-megapixel
JPEG (just under the limit), a 2000×1400 PNG, a 9.9 MB PDF, and the bomb refused before
decoding; and the extra peak memory of one check (in a fresh process). No database, no
server.

    python bench/programme_attachments.py [--repeat 5]

Prints one line per file (median and worst in ms, bytes in and out), then one JSON line.
"""

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import statistics
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.test")

import django  # noqa: E402

django.setup()

from PIL import Image  # noqa: E402

from liberation.programme.attachments import check_upload  # noqa: E402
from liberation.programme.services import ApplicationError  # noqa: E402


def noisy(size, mode="RGB") -> Image.Image:
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * len(mode)))


def jpeg() -> bytes:
    out = io.BytesIO()
    image = noisy((1000, 750)).resize((4000, 3000))
    exif = Image.Exif()
    exif[0x8825] = {2: (48.0, 51.0, 24.0), 1: "N"}
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    noisy((500, 350)).resize((2000, 1400)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(int(9.9 * 1024 * 1024)) + b"\n%%EOF\n"


def bomb() -> bytes:
    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def _high_water_kb() -> int:
    """This process's peak resident memory (VmHWM: reset by exec, unlike ru_maxrss)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _peak(name: str, data: bytes, queue) -> None:
    before = _high_water_kb()
    with contextlib.suppress(ApplicationError):
        check_upload(name=name, data=data)
    queue.put((_high_water_kb() - before) // 1024)


def peak_mb(name: str, data: bytes) -> int:
    """Extra peak memory (MB) of one check, in a fresh process (spawned, not forked: a
    fork would inherit this process's memory, already grown by the timing runs)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_peak, args=(name, data, queue))
    child.start()
    value = queue.get()
    child.join()
    return value


def big_jpeg() -> bytes:
    """Just under MAX_PIXELS (7700×5190, 40 Mpx), flat: small file, full decode."""
    out = io.BytesIO()
    Image.new("RGB", (7700, 5190), (10, 200, 30)).save(out, "JPEG", quality=80)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = {
        "photo.jpg": jpeg(),
        "40mpx.jpg": big_jpeg(),
        "scan.png": png(),
        "dossier.pdf": pdf(),
        "bomb.png": bomb(),
    }
    results = {}
    for name, data in files.items():
        times, out_size, outcome = [], 0, "accepted"
        for _ in range(args.repeat):
            start = time.perf_counter()
            try:
                out_size = len(check_upload(name=name, data=data).data)
            except ApplicationError as error:
                outcome = f"refused ({error.code})"
            times.append((time.perf_counter() - start) * 1000)
        results[name] = {
            "bytes_in": len(data),
            "bytes_out": out_size,
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "outcome": outcome,
            "peak_mb": peak_mb(name, data),
        }
        r = results[name]
        print(
            f"{name:12} {r['bytes_in']:>10} B → {r['bytes_out']:>9} B  "
            f"median {r['median_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
            f"peak +{r['peak_mb']} MB  {outcome}"
        )
    load = os.getloadavg()
    print(json.dumps({"bench": "programme_attachments", "load": load, "files": results}))


if __name__ == "__main__":
    main()
