"""Recognise the video providers we accept and build their privacy-friendly embed URLs.

Third-party players are only loaded after the reader clicks (see the video block
template), so that no request reaches the provider before consent.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse


@dataclass(frozen=True)
class ExternalVideo:
    provider: str  # "youtube", "dailymotion" or "vimeo"
    video_id: str

    @property
    def label(self) -> str:
        return {"youtube": "YouTube", "dailymotion": "Dailymotion", "vimeo": "Vimeo"}[self.provider]

    @property
    def embed_url(self) -> str:
        if self.provider == "youtube":
            return f"https://www.youtube-nocookie.com/embed/{self.video_id}"
        if self.provider == "dailymotion":
            return f"https://www.dailymotion.com/embed/video/{self.video_id}"
        return f"https://player.vimeo.com/video/{self.video_id}?dnt=1"


_ID = re.compile(r"^[A-Za-z0-9_-]{3,64}$")


def parse_video_url(url: str) -> ExternalVideo | None:
    """Return the provider and id of a Dailymotion, YouTube or Vimeo URL, else None."""
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        return None
    if parsed.scheme not in {"http", "https"}:
        return None
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    parts = [p for p in parsed.path.split("/") if p]
    video_id = None
    provider = None
    if host in {"youtube.com", "youtube-nocookie.com"}:
        provider = "youtube"
        if parts[:1] == ["watch"]:
            video_id = (parse_qs(parsed.query).get("v") or [None])[0]
        elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live"}:
            video_id = parts[1]
    elif host == "youtu.be":
        provider, video_id = "youtube", (parts[0] if parts else None)
    elif host == "dailymotion.com":
        provider = "dailymotion"
        if len(parts) >= 2 and parts[0] == "video":
            video_id = parts[1]
        elif len(parts) >= 3 and parts[:2] == ["embed", "video"]:
            video_id = parts[2]
    elif host == "dai.ly":
        provider, video_id = "dailymotion", (parts[0] if parts else None)
    elif host in {"vimeo.com", "player.vimeo.com"}:
        provider = "vimeo"
        digits = [p for p in parts if p.isdigit()]
        video_id = digits[0] if digits else None
    if provider and video_id and _ID.match(video_id):
        return ExternalVideo(provider=provider, video_id=video_id)
    return None
