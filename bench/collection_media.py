"""The collection's recordings: the task worker's time to check and re-encode them.

Generates with ffmpeg (lavfi `testsrc2` with moving noise, so that the encoder has real
work, and `sine`), tagged with a GPS position and a title:

- a 1-minute 1280×720 30 fps H.264 + AAC MP4 (a phone's "720p" video),
- a 1-minute 1920×1080 30 fps one (scaled down to 720p by the worker),
- a 10-minute AAC M4A (an oral testimony recorded on a phone),

then times, `--repeat` times each, what `items.item_process` does for a recording
(`items._recording_process` without the database): the copy out of storage into a
private temporary folder, `avmedia.probe`, `avmedia.reencode` (H.264 veryfast CRF 23 at
most 720p + AAC 128k, or AAC in M4A), and checks that the output carries no metadata.
No database, no server.

    python bench/collection_media.py [--repeat 1]

Prints one line per file (median and worst in seconds, real-time factor, MB in and out),
then one JSON line. Note the load average (`uptime`) before and after: the machine is
shared.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.test")

import django  # noqa: E402

django.setup()

from liberation.core import avmedia  # noqa: E402

GPS = "+49.2764-000.7024/"


def generate(folder: Path, name: str, *, seconds: int, size: str = "", audio_only=False) -> Path:
    out = folder / name
    arguments = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
    if not audio_only:
        arguments += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration={seconds}"]
    arguments += ["-f", "lavfi", "-i", f"sine=frequency=330:duration={seconds}"]
    if not audio_only:
        arguments += ["-vf", "noise=alls=12:allf=t", "-c:v", "libx264", "-preset", "ultrafast"]
        arguments += ["-b:v", "6M"]
    arguments += ["-c:a", "aac", "-b:a", "128k"]
    arguments += ["-metadata", f"location={GPS}", "-metadata", "title=Grandpa", str(out)]
    subprocess.run(arguments, check=True)
    return out


def process(source: Path, work: Path) -> tuple[float, int, avmedia.Reencoded]:
    """What the worker does with a recording, timed (storage copy included)."""
    started = time.perf_counter()
    copy, clean = work / "source", work / "clean"
    with open(source, "rb") as handle, open(copy, "wb") as out:
        shutil.copyfileobj(handle, out, 1024 * 1024)
    found = avmedia.probe(str(copy), max_duration=30 * 60)
    result = avmedia.reencode(str(copy), str(clean), found)
    elapsed = time.perf_counter() - started
    return elapsed, clean.stat().st_size, result


def clean_of_metadata(path: str) -> bool:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters"]
        + ["-of", "json", path],
        capture_output=True,
        check=True,
    ).stdout.decode()
    return GPS not in out and "Grandpa" not in out and '"encoder"' not in out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if not avmedia.available():
        sys.exit("ffmpeg is not installed (Debian: apt-get install -y ffmpeg)")
    results = {}
    with tempfile.TemporaryDirectory(prefix="collection-media-bench-") as folder:
        folder = Path(folder)
        sources = {
            "video_720p_1min": generate(folder, "v720.mp4", seconds=60, size="1280x720"),
            "video_1080p_1min": generate(folder, "v1080.mp4", seconds=60, size="1920x1080"),
            "audio_10min": generate(folder, "a.m4a", seconds=600, audio_only=True),
        }
        for label, source in sources.items():
            times = []
            for _ in range(args.repeat):
                work = folder / f"work-{label}"
                work.mkdir(exist_ok=True)
                elapsed, size_out, result = process(source, work)
                times.append(elapsed)
                clean = clean_of_metadata(result.path)
                shutil.rmtree(work)
            median = statistics.median(times)
            results[label] = {
                "median_s": round(median, 2),
                "worst_s": round(max(times), 2),
                "realtime_factor": round(result.duration / median, 1),
                "mb_in": round(source.stat().st_size / 1e6, 1),
                "mb_out": round(size_out / 1e6, 1),
                "out": result.content_type
                + (f" {result.width}x{result.height}" if result.width else ""),
                "metadata_free": clean,
            }
            r = results[label]
            print(
                f"{label:18} {r['median_s']:7.2f} s median, {r['worst_s']:7.2f} s worst "
                f"({r['realtime_factor']}× real time), {r['mb_in']} MB → {r['mb_out']} MB, "
                f"{r['out']}, metadata-free: {clean}"
            )
    print(json.dumps({"bench": "collection_media", "repeat": args.repeat, **results}))


if __name__ == "__main__":
    main()
