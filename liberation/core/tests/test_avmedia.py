"""Recordings checked by content and re-encoded without metadata (core/avmedia.py), and
private files answered with byte ranges (core/ranges.py)."""

import json
import subprocess

import pytest
from django.test import RequestFactory

from liberation.core import avmedia, ranges
from liberation.core.testing import media_bytes, needs_ffmpeg
from liberation.core.uploads import UploadRefused

GPS = "+48.8566+002.3522/"


def _probe_json(path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-show_chapters"]
        + ["-of", "json", str(path)],
        capture_output=True,
        check=True,
    )
    return json.loads(out.stdout)


def _write(tmp_path, data: bytes, name: str = "source") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x00\x00\x00\x20ftypisom\x00\x00", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9fB\x86\x81", "video/webm"),
        (b"OggS\x00\x02", "audio/ogg"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64", "audio/mpeg"),
        (b"fLaC\x00\x00", "audio/flac"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", ""),
        (b"<html><script>", ""),
        (b"\xff\xd8\xff\xe0", ""),  # a JPEG is not a recording
    ],
)
def test_sniff_by_first_bytes(head, kind):
    assert avmedia.sniff(head) == kind


@needs_ffmpeg
def test_video_reencoded_without_metadata_chapters_or_encoder_banner(tmp_path):
    source = _write(
        tmp_path,
        media_bytes(
            size="320x240",
            metadata={"location": GPS, "title": "Secret title", "encoder": "GrandpaCam 3"},
            chapters=True,
        ),
    )
    before = _probe_json(source)
    assert before["chapters"] and GPS in json.dumps(before)  # the control: it was there
    found = avmedia.probe(source, max_duration=60)
    assert found.has_video and found.has_audio and found.demuxer == "mov"
    clean = avmedia.reencode(source, str(tmp_path / "clean"), found)
    assert clean.content_type == "video/mp4" and (clean.width, clean.height) == (320, 240)
    after = _probe_json(clean.path)
    assert after["chapters"] == []
    assert set(after["format"].get("tags", {})) <= {"major_brand", "minor_version"} | {
        "compatible_brands"
    }
    for stream in after["streams"]:
        assert set(stream.get("tags", {})) <= {"language", "handler_name", "vendor_id"}
    assert [s["codec_name"] for s in after["streams"]] == ["h264", "aac"]
    raw = (tmp_path / "clean").read_bytes()
    for secret in (b"Secret", b"GrandpaCam", GPS.encode(), b"x264", b"Lavc", b"Lavf"):
        assert secret not in raw


@needs_ffmpeg
def test_video_above_720p_is_scaled_down(tmp_path):
    source = _write(tmp_path, media_bytes(size="1600x900", seconds=0.3, audio=False))
    clean = avmedia.reencode(source, str(tmp_path / "clean"), avmedia.probe(source, max_duration=9))
    assert (clean.width, clean.height) == (1280, 720)


@needs_ffmpeg
def test_video_without_audio_is_accepted_silent(tmp_path):
    source = _write(tmp_path, media_bytes(audio=False, container="webm"))
    found = avmedia.probe(source, max_duration=60)
    assert found.has_video and not found.has_audio
    clean = avmedia.reencode(source, str(tmp_path / "clean"), found)
    assert clean.content_type == "video/mp4"
    assert [s["codec_type"] for s in _probe_json(clean.path)["streams"]] == ["video"]


@needs_ffmpeg
@pytest.mark.parametrize("container", ["m4a", "mp3", "wav", "ogg"])
def test_audio_becomes_aac_in_m4a(tmp_path, container):
    source = _write(
        tmp_path, media_bytes("audio", container=container, metadata={"artist": "Jean Dupont"})
    )
    found = avmedia.probe(source, max_duration=60)
    assert found.has_audio and not found.has_video
    clean = avmedia.reencode(source, str(tmp_path / "clean"), found)
    assert clean.content_type == "audio/mp4" and 0.9 < clean.duration < 1.2
    after = _probe_json(clean.path)
    assert [s["codec_name"] for s in after["streams"]] == ["aac"]
    assert "Jean Dupont" not in json.dumps(after)


@needs_ffmpeg
def test_too_long_refused(tmp_path):
    source = _write(tmp_path, media_bytes("audio", container="m4a", seconds=3))
    with pytest.raises(UploadRefused) as refused:
        avmedia.probe(source, max_duration=2)
    assert refused.value.code == "too_long"


@needs_ffmpeg
@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x00\x00\x18ftypmp42" + b"\0" * 200,  # a recording's header and nothing
        b"%PDF-1.4\n%%EOF\n",
        b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n",  # a playlist
        b"<html><script>alert(1)</script></html>",
    ],
)
def test_not_a_recording_refused(tmp_path, data):
    with pytest.raises(UploadRefused) as refused:
        avmedia.probe(_write(tmp_path, data), max_duration=60)
    assert refused.value.code == "file"


@needs_ffmpeg
def test_polyglot_tail_is_not_copied(tmp_path):
    """A recording followed by a program or an HTML page: the output is made anew from
    the decoded streams, nothing of the tail survives."""
    tail = b"MZ" + b"\0" * 0x3A + (0x40).to_bytes(4, "little") + b"PE\x00\x00"
    tail += b"<html><script>alert('polyglot')</script></html>"
    source = _write(tmp_path, media_bytes("audio", container="m4a") + tail)
    clean = avmedia.reencode(source, str(tmp_path / "out"), avmedia.probe(source, max_duration=9))
    with open(clean.path, "rb") as handle:
        raw = handle.read()
    assert b"polyglot" not in raw and b"PE\x00\x00" not in raw


@needs_ffmpeg
def test_memory_ceiling_applies(tmp_path, settings):
    source = _write(tmp_path, media_bytes("audio", container="m4a"))
    found = avmedia.probe(source, max_duration=9)
    settings.AVMEDIA_MEMORY_MB = 8  # far below what ffmpeg needs to start
    with pytest.raises(UploadRefused):
        avmedia.reencode(source, str(tmp_path / "clean"), found)
    settings.AVMEDIA_MEMORY_MB = 1024
    assert avmedia.reencode(source, str(tmp_path / "clean"), found).content_type == "audio/mp4"


def test_range_parsing():
    assert ranges.parse_range("", 100) is None
    assert ranges.parse_range("bytes=0-9", 100) == (0, 9)
    assert ranges.parse_range("bytes=90-", 100) == (90, 99)
    assert ranges.parse_range("bytes=90-500", 100) == (90, 99)
    assert ranges.parse_range("bytes=-10", 100) == (90, 99)
    assert ranges.parse_range("bytes=-500", 100) == (0, 99)
    assert ranges.parse_range("bytes=100-", 100) is False
    assert ranges.parse_range("bytes=-0", 100) is False
    assert ranges.parse_range("bytes=0-1,5-6", 100) is None  # several: served whole
    assert ranges.parse_range("items=0-1", 100) is None
    assert ranges.parse_range("bytes=9-3", 100) is None


def _answer(header: str):
    import io

    request = RequestFactory().get("/", **({"HTTP_RANGE": header} if header else {}))
    data = bytes(range(100))
    return ranges.ranged_file_response(
        request, io.BytesIO(data), size=100, filename="a.mp4", content_type="video/mp4", cache="x"
    )


def test_ranged_response():
    whole = _answer("")
    assert whole.status_code == 200 and b"".join(whole.streaming_content) == bytes(range(100))
    assert whole["Accept-Ranges"] == "bytes" and whole["X-Content-Type-Options"] == "nosniff"
    part = _answer("bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == "bytes 10-19/100"
    assert b"".join(part.streaming_content) == bytes(range(10, 20))
    assert part["Content-Length"] == "10" and part["X-Content-Type-Options"] == "nosniff"
    beyond = _answer("bytes=100-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == "bytes */100"
