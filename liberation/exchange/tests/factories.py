"""Lines of the content exchange format for tests: valid by default, override the rest."""

import json
from pathlib import Path

import factory


class LineFactory(factory.DictFactory):
    """A valid French article line; pass fields to override (None removes a field)."""

    key = factory.Sequence(lambda n: f"item-{n}")
    type = "article"
    lang = "fr"
    title = factory.Sequence(lambda n: f"Article numéro {n}")
    lead = "Un résumé de l’article."
    body = "Un premier paragraphe.\n\n## Un intertitre\n\nUn second paragraphe *important*."
    published = "2025-04-24"


def line(**fields) -> dict:
    data = LineFactory(**fields)
    return {name: value for name, value in data.items() if value is not None}


def write_lines(path: Path, lines: list) -> Path:
    """Write dicts as JSON Lines (strings are written as they are, to test bad JSON)."""
    text = "\n".join(
        item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in lines
    )
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_video(folder: Path, name: str = "film.mp4", *, captions: bool = True) -> Path:
    """A tiny stand-in video file (and its WebVTT captions) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / name
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video " + name.encode())
    if captions:
        video.with_suffix(".vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour\n")
    return video
