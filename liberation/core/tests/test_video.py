import pytest
from django.core.exceptions import ValidationError

from liberation.core.blocks import VideoBlock
from liberation.core.video import parse_video_url


@pytest.mark.parametrize(
    ("url", "provider", "video_id"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
        ("https://www.dailymotion.com/video/x8abcd1", "dailymotion", "x8abcd1"),
        ("https://dai.ly/x8abcd1", "dailymotion", "x8abcd1"),
        ("https://vimeo.com/76979871", "vimeo", "76979871"),
        ("https://player.vimeo.com/video/76979871", "vimeo", "76979871"),
    ],
)
def test_known_providers(url, provider, video_id):
    video = parse_video_url(url)
    assert (video.provider, video.video_id) == (provider, video_id)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/video.mp4",
        "https://www.youtube.com/watch",
        "javascript:alert(1)",
        "ftp://vimeo.com/123",
        "https://vimeo.com/about",
        "https://www.youtube.com/watch?v=<script>",
        "",
    ],
)
def test_unknown_or_malformed_urls_are_refused(url):
    assert parse_video_url(url) is None


def test_embed_urls_avoid_tracking():
    assert parse_video_url("https://youtu.be/abcDEF123").embed_url.startswith(
        "https://www.youtube-nocookie.com/embed/"
    )
    assert "dnt=1" in parse_video_url("https://vimeo.com/123456").embed_url


def _clean(**value):
    block = VideoBlock()
    data = {"title": "T", "url": "", "file": None, "captions": None, "caption": "", **value}
    return block.clean(block.normalize(data))


def _errors(**value):
    with pytest.raises(ValidationError) as excinfo:
        _clean(**value)
    return excinfo.value.block_errors


def test_video_block_refuses_unknown_provider_with_a_clear_message():
    errors = _errors(url="https://example.org/film.mp4", transcript="Texte")
    assert "Dailymotion, YouTube" in str(errors["url"])


def test_video_block_needs_a_source_and_a_transcript():
    errors = _errors(url="", transcript="")
    assert "url" in errors
    assert "transcript" in errors


def test_video_block_accepts_a_known_provider():
    value = _clean(url="https://vimeo.com/76979871", transcript="Texte")
    assert value["url"] == "https://vimeo.com/76979871"
