"""What a badge looks like: its QR code (inline SVG for the page), and the printable
A4 badge as a PNG and a one-page PDF, drawn with Pillow."""

import zlib
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import segno


def qr_code(token: str) -> segno.QRCode:
    # Level M survives a crease or a scratched phone screen; the token is in
    # alphanumeric mode (base45), so the code stays small enough to scan at arm's length.
    return segno.make_qr(token, error="m", boost_error=False)


def qr_svg(token: str, title: str = "") -> str:
    """Inline SVG of the QR code (sharp at any size, on screen and on paper)."""
    return qr_code(token).svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff", title=title or None
    )


@lru_cache(maxsize=8)
def _font(weight: str, size: int):
    """Marianne (shipped with django-dsfr), else Pillow's own default font."""
    from django.contrib.staticfiles import finders
    from PIL import ImageFont

    path = finders.find(f"dsfr/dist/fonts/Marianne-{weight}.woff2")
    if path:
        try:
            return ImageFont.truetype(str(Path(path)), size)
        except OSError:
            pass
    return ImageFont.load_default(size)


@dataclass(frozen=True)
class BadgeText:
    """What the printed badge says, already translated by the caller."""

    heading: str  # "Badge", "Invitation"…
    title: str
    when: str
    venue: str
    names: list[str]
    seats_line: str
    code_label: str
    code: str
    reference_line: str
    instructions_title: str
    instructions: str
    footer: str


# A4 portrait at 150 dots per inch: sharp enough on paper, light enough for a phone.
PAGE_SIZE = (1240, 1754)
BLUE = (0, 0, 145)  # DSFR "bleu France"
RED = (225, 0, 15)  # DSFR "rouge Marianne"


def _wrap(draw, text: str, font, width: int) -> list[str]:
    lines = []
    for paragraph in text.splitlines() or [""]:
        words, line = paragraph.split(), ""
        for word in words:
            candidate = f"{line} {word}".strip()
            if draw.textlength(candidate, font=font) <= width or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def badge_image(token: str, text: BadgeText):
    """The printable badge as a Pillow image (RGB, A4 at 150 dpi)."""
    from PIL import Image, ImageDraw

    width, height = PAGE_SIZE
    margin = 90
    image = Image.new("RGB", PAGE_SIZE, "white")
    draw = ImageDraw.Draw(image)
    # Tricolour band at the top, as on State documents.
    draw.rectangle((0, 0, width // 3, 24), fill=BLUE)
    draw.rectangle((2 * width // 3, 0, width, 24), fill=RED)
    y = 70
    draw.text((margin, y), text.heading.upper(), font=_font("Bold", 30), fill=BLUE)
    y += 50
    for line in _wrap(draw, text.title, _font("Bold", 48), width - 2 * margin)[:3]:
        draw.text((margin, y), line, font=_font("Bold", 48), fill="black")
        y += 62
    y += 10
    for line in (text.when, text.venue):
        for part in _wrap(draw, line, _font("Regular", 32), width - 2 * margin)[:2]:
            draw.text((margin, y), part, font=_font("Regular", 32), fill="black")
            y += 44
    y += 20
    # The QR code: 640 px wide, whole modules only, so that no module is blurred.
    qr = qr_code(token)
    modules = qr.symbol_size(scale=1, border=4)[0]
    scale = max(1, 640 // modules)
    buffer = BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    buffer.seek(0)
    qr_image = Image.open(buffer).convert("RGB")
    qr_x = (width - qr_image.width) // 2
    image.paste(qr_image, (qr_x, y))
    y += qr_image.height + 10
    code_font = _font("Bold", 44)
    label = f"{text.code_label} {text.code}"
    draw.text(
        ((width - draw.textlength(label, font=code_font)) / 2, y),
        label,
        font=code_font,
        fill="black",
    )
    y += 60
    small = _font("Regular", 26)
    draw.text(
        ((width - draw.textlength(text.reference_line, font=small)) / 2, y),
        text.reference_line,
        font=small,
        fill=(60, 60, 60),
    )
    y += 56
    draw.line((margin, y, width - margin, y), fill=(200, 200, 200), width=2)
    y += 24
    names_font = _font("Bold", 36)
    for name in text.names[:11]:
        draw.text((margin, y), name, font=names_font, fill="black")
        y += 48
    draw.text((margin, y), text.seats_line, font=_font("Regular", 30), fill=(60, 60, 60))
    y += 60
    if text.instructions:
        draw.text((margin, y), text.instructions_title, font=_font("Bold", 30), fill=BLUE)
        y += 44
        body = _font("Regular", 26)
        for line in _wrap(draw, text.instructions, body, width - 2 * margin):
            if y > height - 120:
                break
            draw.text((margin, y), line, font=body, fill="black")
            y += 36
    draw.text((margin, height - 70), text.footer, font=_font("Regular", 22), fill=(90, 90, 90))
    return image


def badge_png(token: str, text: BadgeText) -> bytes:
    buffer = BytesIO()
    badge_image(token, text).save(buffer, format="PNG", optimize=True, dpi=(150, 150))
    return buffer.getvalue()


def badge_pdf(token: str, text: BadgeText) -> bytes:
    """A one-page A4 PDF holding the badge image, losslessly (Flate).

    Pillow's own PDF writer would store this image as JPEG, whose artefacts blur the
    QR code's edges; this writes the handful of PDF objects directly.
    """
    image = badge_image(token, text)
    width, height = image.size
    pixels = zlib.compress(image.tobytes(), 9)
    page_w, page_h = 595.28, 841.89  # A4 in points
    title = text.title.encode("utf-16-be")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] "
            "/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>"
        ).encode(),
        (
            f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
            "/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
            f"/Length {len(pixels)} >>\nstream\n"
        ).encode()
        + pixels
        + b"\nendstream",
    ]
    content = f"q {page_w} 0 0 {page_h} 0 0 cm /Im0 Do Q".encode()
    objects.append(f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream")
    objects.append(b"<< /Title <FEFF" + title.hex().upper().encode() + b"> >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
