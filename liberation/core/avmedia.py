"""Audio and video recordings sent by the public, checked by what they contain and
re-encoded with Debian's `ffprobe` and `ffmpeg` (`/usr/bin`; `.ci/run` installs the
`ffmpeg` package). Shared like `core.uploads`: each app keeps its limits, storage and
records, and turns `UploadRefused` into its own error.

- `sniff`: in the request, the container the first bytes say (MP4/MOV/M4A, Matroska/
  WebM, Ogg, WAV, MP3, FLAC), or "". Cheap; the name's extension plays no part here
  (`uploads.name_agrees` then refuses a name that lies about the family).
- `probe`, in the task worker: `ffprobe` on a copy named by us (no extension, so its
  guess cannot lean on the sender's name), with only the allowed demuxers
  (`-format_whitelist`) and the `file` protocol (a playlist cannot pull other files or
  URLs): container and codecs on allow-lists, at least one audio or video stream (a
  cover picture is not a video), a duration within the limit, frame size bounded.
- `reencode`: audio → AAC in M4A; video → H.264 (at most 1280×720, 30 frames/s) + AAC
  in MP4, a video without sound staying silent (no audio track; not an error). Only the
  first video and audio streams are kept; every metadata entry (`-map_metadata -1`:
  title, GPS position, device, creation time), chapters, subtitles and data streams
  are dropped, the H.264 SEI messages (encoder banner) removed, and the MP4 written by
  the `ipod` muxer, which records no encoder name. ffprobe and ffmpeg run at a lower
  priority, under a memory ceiling and a time limit. Everything after the recognised
  streams (an appended archive or program: a polyglot) is not copied: the output is
  made anew from decoded frames.
"""

import json
import os
import resource
import shutil
import subprocess
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .uploads import UploadRefused

AUDIO = "audio/mp4"
VIDEO = "video/mp4"
STORED_EXTENSION = {AUDIO: ".m4a", VIDEO: ".mp4"}

# What `sniff` says → the extensions a name may carry for it.
EXTENSIONS = {
    "video/mp4": (".mp4", ".m4a", ".m4v", ".mov", ".3gp", ".3g2", ".aac"),
    "video/webm": (".webm", ".mkv", ".mka"),
    "audio/ogg": (".ogg", ".oga", ".ogv", ".opus"),
    "audio/wav": (".wav",),
    "audio/mpeg": (".mp3",),
    "audio/flac": (".flac",),
}
# ffprobe's format names (first part) → the demuxer forced on ffmpeg.
DEMUXERS = {"mov": "mov", "matroska": "matroska", "ogg": "ogg", "wav": "wav", "mp3": "mp3"}
DEMUXERS["flac"] = "flac"
FORMAT_WHITELIST = "mov,matroska,webm,ogg,wav,mp3,flac"
AUDIO_CODECS = {"aac", "mp3", "opus", "vorbis", "flac", "alac", "pcm_s16le", "pcm_s24le"}
AUDIO_CODECS |= {"pcm_s16be", "pcm_f32le", "pcm_u8", "amr_nb", "amr_wb"}
VIDEO_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "theora"}
MAX_FRAME = 8192  # pixels a side: any camera; a bomb claims more
MAX_HEIGHT = 720
MAX_WIDTH = 1280


def available() -> bool:
    """Whether ffprobe and ffmpeg are installed (else recordings are refused)."""
    return bool(shutil.which(_tool("ffprobe")) and shutil.which(_tool("ffmpeg")))


def _tool(name: str) -> str:
    return getattr(settings, f"{name.upper()}_BINARY", name)


def sniff(head: bytes) -> str:
    """The container the first bytes (at least 12) say, or ""."""
    if head[4:8] == b"ftyp":
        return "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "audio/mpeg"  # an ID3 tag, or an MPEG audio layer III frame header
    if head.startswith(b"fLaC"):
        return "audio/flac"
    return ""


@dataclass(frozen=True)
class Probe:
    demuxer: str
    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0

    @property
    def content_type(self) -> str:
        return VIDEO if self.has_video else AUDIO


def _unreadable() -> UploadRefused:
    return UploadRefused(
        "file",
        _(
            "This file cannot be read as an audio or video recording: it may be damaged, "
            "or be something else under a recording's name."
        ),
    )


def _limit_child() -> None:
    """In ffprobe's and ffmpeg's process, before they start: a lower priority
    (`AVMEDIA_NICE`, default 10: re-encoding a video keeps both cores busy for tens of
    seconds, the web server's processes go first) and a memory ceiling
    (`AVMEDIA_MEMORY_MB` of address space, default 1024; a 1080p → 720p re-encoding
    peaks at 188 MB resident), so that a hostile file cannot take the machine."""
    os.nice(int(getattr(settings, "AVMEDIA_NICE", 10)))
    ceiling = int(getattr(settings, "AVMEDIA_MEMORY_MB", 1024)) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def _run(arguments: list[str], *, timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            arguments,
            capture_output=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            preexec_fn=_limit_child,  # noqa: PLW1509 (no threads started in the child)
        )
    except subprocess.TimeoutExpired:
        raise UploadRefused(
            "file", _("This recording takes too long to process: it is refused.")
        ) from None


def probe(path: str, *, max_duration: float) -> Probe:
    """What the file holds, or `UploadRefused` (not a recording, a format or codec not
    accepted, no sound and no picture, too long)."""
    result = _run(
        [
            _tool("ffprobe"),
            *("-v", "error", "-protocol_whitelist", "file"),
            *("-format_whitelist", FORMAT_WHITELIST),
            *("-show_format", "-show_streams", "-of", "json", "file:" + path),
        ],
        timeout=60,
    )
    try:
        info = json.loads(result.stdout or b"{}")
    except ValueError:
        info = {}
    fmt = info.get("format") or {}
    demuxer = DEMUXERS.get(str(fmt.get("format_name", "")).split(",")[0], "")
    if result.returncode != 0 or not demuxer:
        raise _unreadable()
    streams = info.get("streams") or []
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos and not audios:
        raise _unreadable()
    codecs = {s.get("codec_name") for s in videos[:1]} - VIDEO_CODECS
    codecs |= {s.get("codec_name") for s in audios[:1]} - AUDIO_CODECS
    if codecs:
        raise UploadRefused(
            "type",
            _("This recording uses a format that is not accepted (%(codec)s).")
            % {"codec": ", ".join(sorted(str(c) for c in codecs))},
        )
    try:
        duration = float(fmt.get("duration") or 0)
    except ValueError:
        duration = 0.0
    if duration <= 0:
        raise _unreadable()
    if duration > max_duration:
        raise UploadRefused(
            "too_long",
            _("This recording lasts %(minutes)s minutes; at most %(max)s minutes.")
            % {"minutes": round(duration / 60, 1), "max": round(max_duration / 60)},
        )
    width = height = 0
    if videos:
        width, height = int(videos[0].get("width") or 0), int(videos[0].get("height") or 0)
        if not (0 < width <= MAX_FRAME and 0 < height <= MAX_FRAME):
            raise _unreadable()
    return Probe(demuxer, duration, bool(videos), bool(audios), width, height)


@dataclass(frozen=True)
class Reencoded:
    path: str
    content_type: str
    duration: float
    width: int
    height: int


def reencode(source: str, target: str, found: Probe) -> Reencoded:
    """Write `target` from `source` (already probed): the first streams only, no
    metadata. `UploadRefused` when ffmpeg cannot decode it after all."""
    arguments = [
        _tool("ffmpeg"),
        *("-nostdin", "-v", "error", "-y", "-protocol_whitelist", "file"),
        *("-f", found.demuxer, "-i", "file:" + source),
        *("-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"),
        *("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"),
    ]
    if found.has_video:
        arguments += [
            *("-map", "0:V:0", "-map", "0:a:0?"),
            "-vf",
            f"scale=w='min({MAX_WIDTH},iw)':h='min({MAX_HEIGHT},ih)'"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p",
            *("-fpsmax", "30", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23"),
            *("-bsf:v", "filter_units=remove_types=6"),  # SEI: x264's banner
        ]
    else:
        arguments += ["-map", "0:a:0", "-vn"]
    if found.has_audio:
        arguments += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    arguments += ["-movflags", "+faststart", "-f", "ipod", "file:" + target]
    timeout = getattr(settings, "AVMEDIA_TIMEOUT", 120) + found.duration * 2
    result = _run(arguments, timeout=timeout)
    if result.returncode != 0 or not os.path.getsize(target):
        raise _unreadable()
    out = probe(target, max_duration=found.duration + 60)
    return Reencoded(target, out.content_type, out.duration, out.width, out.height)
