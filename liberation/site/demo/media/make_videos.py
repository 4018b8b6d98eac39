#!/usr/bin/env python3
"""Generate the demo videos (title cards) and their WebVTT captions.

These are honest demo media, not archival footage: each video is a short sequence of
white-on-blue title cards (DSFR blue, #000091) showing the item's title, its historical
dates, its places and a "demo video" notice. The WebVTT file next to each video holds
exactly the text of the cards, time-aligned, so the captions match the screen.

Reads ../content.jsonl, collects every distinct local ``video.url`` (one not starting
with http), and writes ``<basename>.mp4`` and ``<basename>.vtt`` into this folder. When
French and English items share one path, the French item (the original) is used; an
item whose path is its own is rendered in its own language.

Standard library only; needs ffmpeg (with libx264 and drawtext) and the DejaVu fonts:
    apt-get install -y ffmpeg fonts-dejavu-core
    python3 liberation/site/demo/media/make_videos.py           # write the files
    python3 liberation/site/demo/media/make_videos.py --check   # ffprobe them

Not run by the tests or by ``make run``: the generated files are committed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_JSONL = HERE.parent / "content.jsonl"

WIDTH, HEIGHT, FPS = 640, 360, 25
BACKGROUND = "0x000091"  # DSFR "bleu France"
CARD_SECONDS = 4.0  # 4 cards x 4 s = 16 s
MIN_SECONDS = 12.0  # fewer cards (no dates, no places) are shown longer
FADE_SECONDS = 0.4
MARGIN = 32  # horizontal margin, px

# H.264 Main 3.0 + AAC plays in every browser; threads=1 and bitexact keep reruns identical.
ENCODING = """
    -c:v libx264 -preset slow -crf 26 -tune stillimage -profile:v main -level 3.0
    -x264-params threads=1 -pix_fmt yuv420p -color_range tv
    -colorspace bt709 -color_primaries bt709 -color_trc bt709
    -c:a aac -b:a 32k
    -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact
    -movflags +faststart
"""

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
]

NOTICE = {
    "fr": "Vidéo de démonstration — Mission Libération",
    "en": "Demo video — Mission Libération",
}
MONTHS = {
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}


@dataclass
class Card:
    lines: list[str]
    fontsize: int
    bold: bool = False


# --- content -------------------------------------------------------------------------


def read_items(path: Path) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as error:
                sys.exit(f"{path}:{number}: not JSON ({error})")
    return items


def local_video_url(item: dict) -> str | None:
    video = item.get("video")
    if not isinstance(video, dict):
        return None
    url = (video.get("url") or "").strip()
    if not url or url.lower().startswith(("http://", "https://")):
        return None
    return url


def pick_items(items: list[dict]) -> dict[str, dict]:
    """Map each distinct local video path to the item that describes it (French first)."""
    chosen: dict[str, dict] = {}
    for item in items:
        url = local_video_url(item)
        if url is None:
            continue
        current = chosen.get(url)
        if current is None or (current.get("lang") != "fr" and item.get("lang") == "fr"):
            chosen[url] = item
    return chosen


def format_day(day: dt.date, lang: str, with_month=True, with_year=True) -> str:
    month = MONTHS[lang][day.month - 1]
    if lang == "fr":
        text = "1er" if day.day == 1 else str(day.day)
        if with_month:
            text += f" {month}"
    else:
        text = str(day.day)
        if with_month:
            text += f" {month}"
    if with_year:
        text += f" {day.year}"
    return text


def format_dates(history: dict | None, lang: str) -> str:
    history = history or {}
    start = history.get("start")
    end = history.get("end")
    if not start:
        return ""
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end) if end else first
    if last == first:
        return ("Le " if lang == "fr" else "") + format_day(first, lang)
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month
    head = format_day(first, lang, with_month=not same_month, with_year=not same_year)
    tail = format_day(last, lang)
    if lang == "fr":
        return f"Du {head} au {tail}"
    return f"{head}–{tail}" if same_month else f"{head} – {tail}"


def place_names(places: list | None) -> list[str]:
    names = [place.get("name", "").strip() for place in places or [] if isinstance(place, dict)]
    return [name for name in names if name]


def max_chars(fontsize: int) -> int:
    # DejaVu Sans averages ~0.55 em per character (measured on these texts); keep a margin.
    return max(10, int((WIDTH - 2 * MARGIN) / (fontsize * 0.58)))


def wrap_tokens(tokens: list[str], separator: str, width: int) -> list[str]:
    """Greedy wrap that never splits a token; the separator is dropped at line breaks."""
    lines: list[str] = []
    for token in tokens:
        if lines and len(lines[-1]) + len(separator) + len(token) <= width:
            lines[-1] += separator + token
        else:
            lines.append(token)
    return lines


def balanced(tokens: list[str], separator: str, fontsize: int) -> list[str]:
    """Fewest lines that fit, then the narrowest width giving that count (no orphans)."""
    width = max_chars(fontsize)
    lines = wrap_tokens(tokens, separator, width)
    while width > 1 and len(wrap_tokens(tokens, separator, width - 1)) == len(lines):
        width -= 1
    return wrap_tokens(tokens, separator, width)


def fit(
    tokens: list[str], separator: str, sizes: tuple[int, ...], max_lines: int, bold=False
) -> Card:
    for size in sizes:
        lines = balanced(tokens, separator, size)
        if len(lines) <= max_lines:
            return Card(lines, size, bold)
    return Card(balanced(tokens, separator, sizes[-1]), sizes[-1], bold)


def words(text: str) -> list[str]:
    # Keep French typography together: "Cherbourg :" and "— Mission" stay on one line.
    tokens: list[str] = []
    for word in text.split():
        if tokens and word in {":", ";", "!", "?", "»"}:
            tokens[-1] += " " + word
        else:
            tokens.append(word)
    return tokens


def cards_for(item: dict) -> list[Card]:
    lang = "fr" if item.get("lang") == "fr" else "en"
    cards = [fit(words(item["title"]), " ", (32, 28, 24), 4, bold=True)]
    dates = format_dates(item.get("history"), lang)
    if dates:
        cards.append(fit(words(dates), " ", (30, 26), 2))
    places = place_names(item.get("places"))
    if places:
        cards.append(fit(places, " · ", (28, 24), 3))
    cards.append(fit(words(NOTICE[lang]), " ", (24, 22, 20), 1))
    return cards


# --- output --------------------------------------------------------------------------


def vtt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


VTT_NOTE = {
    "fr": "Généré par make_videos.py depuis {source} : cartons-titres de démonstration, "
    "sans images d’archives.",
    "en": "Generated by make_videos.py from {source}: demo title cards, no archival footage.",
}


def card_seconds(cards: list[Card]) -> float:
    return max(CARD_SECONDS, MIN_SECONDS / len(cards))


def write_vtt(path: Path, cards: list[Card], lang: str, source: str) -> None:
    seconds = card_seconds(cards)
    parts = ["WEBVTT", "", "NOTE", VTT_NOTE[lang].format(source=source), ""]
    for index, card in enumerate(cards):
        start, end = index * seconds, (index + 1) * seconds
        parts += [f"{index + 1}", f"{vtt_time(start)} --> {vtt_time(end)}"]
        parts += [vtt_escape(line) for line in card.lines]
        parts.append("")
    path.write_text("\n".join(parts), encoding="utf-8")


def find_font(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    sys.exit(f"Font {name} not found (apt-get install fonts-dejavu-core)")


def filter_value(text: str) -> str:
    """Escape a value for a drawtext option inside a filtergraph."""
    return "'" + str(text).replace("\\", "\\\\").replace("'", "'\\\\\\''").replace(":", "\\:") + "'"


def build_filter(cards: list[Card], workdir: Path, fonts: dict[bool, Path]) -> str:
    seconds = card_seconds(cards)
    steps = ["[0:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p"]
    for index, card in enumerate(cards):
        start, end = index * seconds, (index + 1) * seconds
        alpha = (
            f"if(lt(t,{start + FADE_SECONDS}),(t-{start})/{FADE_SECONDS},"
            f"if(gt(t,{end - FADE_SECONDS}),({end}-t)/{FADE_SECONDS},1))"
        )
        line_height = round(card.fontsize * 1.4)
        top = (HEIGHT - line_height * len(card.lines)) / 2
        for number, line in enumerate(card.lines):
            textfile = workdir / f"card{index}-line{number}.txt"
            textfile.write_text(line, encoding="utf-8")
            # Baseline-aligned: the same ascent for every line, whatever its glyphs.
            baseline = top + number * line_height + card.fontsize * 1.05
            options = {
                "fontfile": filter_value(fonts[card.bold]),
                "textfile": filter_value(textfile),
                "expansion": "none",
                "fontsize": str(card.fontsize),
                "fontcolor": "white",
                "x": "'(w-text_w)/2'",
                "y": f"'{baseline:.1f}-ascent'",
                "alpha": filter_value(alpha),
                "enable": filter_value(f"between(t,{start},{end})"),
            }
            steps.append("drawtext=" + ":".join(f"{key}={value}" for key, value in options.items()))
    return ",".join(steps) + "[v]"


def render(item: dict, url: str, out_dir: Path, fonts: dict[bool, Path]) -> tuple[Path, Path]:
    stem = Path(url).stem
    mp4, vtt = out_dir / f"{stem}.mp4", out_dir / f"{stem}.vtt"
    cards = cards_for(item)
    duration = card_seconds(cards) * len(cards)
    lang = "fr" if item.get("lang") == "fr" else "en"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        script = workdir / "filter.txt"
        script.write_text(build_filter(cards, workdir, fonts), encoding="utf-8")
        command = [
            *["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"],
            *["-f", "lavfi", "-i", f"color=c={BACKGROUND}:s={WIDTH}x{HEIGHT}:r={FPS}:d={duration}"],
            *["-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono"],
            *["-filter_complex_script", str(script), "-map", "[v]", "-map", "1:a"],
            *["-t", f"{duration}", *shlex.split(ENCODING)],
            *["-metadata", f"title={item['title']}", "-metadata", f"comment={NOTICE[lang]}"],
            str(mp4),
        ]
        subprocess.run(command, check=True)
    write_vtt(vtt, cards, lang, str(item.get("key", "?")))
    return mp4, vtt


def probe(path: Path) -> str:
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type,codec_name,width,height",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(result.stdout)
    streams = ", ".join(
        f"{s['codec_type']}={s['codec_name']}"
        + (f" {s['width']}x{s['height']}" if s["codec_type"] == "video" else "")
        for s in info["streams"]
    )
    seconds = float(info["format"]["duration"])
    return f"{path.name}: {seconds:.2f} s, {streams}, {path.stat().st_size / 1024:.0f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--check", action="store_true", help="only ffprobe the existing files")
    args = parser.parse_args()

    chosen = pick_items(read_items(args.jsonl))
    stems: dict[str, str] = {}
    for url in chosen:
        stem = Path(url).stem
        if stem in stems:
            sys.exit(f"Two video paths share the name {stem!r}: {stems[stem]} and {url}")
        stems[stem] = url

    if not args.check:
        if not shutil.which("ffmpeg"):
            sys.exit("ffmpeg not found (apt-get install -y ffmpeg fonts-dejavu-core)")
        fonts = {False: find_font("DejaVuSans.ttf"), True: find_font("DejaVuSans-Bold.ttf")}
        args.out.mkdir(parents=True, exist_ok=True)
        for url, item in chosen.items():
            mp4, _ = render(item, url, args.out, fonts)
            shown = mp4.relative_to(args.out.parent) if args.out.parent in mp4.parents else mp4
            print(f"{url} -> {shown}  [{item.get('key')}, {item.get('lang')}]")

    total = 0
    for stem in stems:
        mp4 = args.out / f"{stem}.mp4"
        print(probe(mp4))
        total += mp4.stat().st_size + (args.out / f"{stem}.vtt").stat().st_size
    print(f"total: {total / 1024:.0f} KB")


if __name__ == "__main__":
    main()
