"""A private stored file answered with HTTP byte ranges (RFC 9110 §14), so that audio
and video players can seek and browsers start playing before the end is loaded.

One range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) → 206 with `Content-Range`; a range
beyond the end → 416 with `Content-Range: bytes */size`; no range, several ranges, or
a header that is not a byte range → the whole file (200), as the RFC allows. Headers
as `uploads.private_file_response` sets them (nosniff, sandbox, the caller's cache),
plus `Accept-Ranges: bytes`.
"""

import re

from django.http import HttpResponse, StreamingHttpResponse

from .uploads import private_file_response

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(first, last) inclusive for one satisfiable range; None for "serve it whole";
    False when unsatisfiable."""
    match = RANGE.match(header.replace(" ", ""))
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.groups()
    if first == "":  # the last n bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None  # syntactically invalid: ignored (RFC 9110 §14.1.1)
    if start >= size:
        return False
    return start, end


def _chunks(handle, remaining: int):
    try:
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def ranged_file_response(
    request, handle, *, size: int, filename: str, content_type: str, cache: str
) -> HttpResponse:
    """`handle` (open, binary, seekable) answered whole or in the range asked."""
    wanted = parse_range(request.headers.get("Range", ""), size)
    if wanted is None:
        response = private_file_response(
            handle, filename=filename, content_type=content_type, as_attachment=False, cache=cache
        )
    elif wanted is False:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = cache
    else:
        first, last = wanted
        handle.seek(first)
        response = StreamingHttpResponse(
            _chunks(handle, last - first + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
        response["Content-Length"] = str(last - first + 1)
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = cache
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Accept-Ranges"] = "bytes"
    return response
