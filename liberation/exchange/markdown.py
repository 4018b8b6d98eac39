"""Markdown ⇄ StreamField for the content exchange format.

`markdown_to_blocks` turns the `body` of an exchange line into raw StreamField data for
`BodyBlock`: `##` and `###` headings become heading blocks, `>` block quotes become
quote blocks (a last paragraph starting with an em dash is the quote's source), and
every run of paragraphs and lists becomes one rich-text paragraph block in Wagtail's
storage format, reduced to what the rich-text features allow (p, b, i, a, ul, ol, li,
br). `blocks_to_markdown` writes those blocks back, so that an export re-imports to the
same blocks.
"""

import html
import re
from collections.abc import Iterable

import markdown as markdown_lib
from bs4 import BeautifulSoup, NavigableString, Tag

QUOTE_SOURCE_PREFIX = "— "
_INLINE_TAGS = {"strong": "b", "b": "b", "em": "i", "i": "i"}
_LIST_TAGS = {"ul", "ol"}
_DROPPED_TAGS = {"script", "style", "img", "iframe", "object", "embed", "head", "title"}
_SAFE_HREF = re.compile(r"^(https?://|mailto:|tel:|/|#)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# Markdown → blocks ------------------------------------------------------------------


def markdown_to_blocks(text: str) -> list[dict]:
    """Raw StreamField data (`[{"type": ..., "value": ...}]`) for a Markdown body."""
    soup = BeautifulSoup(markdown_lib.markdown(text or ""), "html.parser")
    blocks: list[dict] = []
    rich_run: list[str] = []

    def flush() -> None:
        if rich_run:
            blocks.append({"type": "paragraph", "value": "".join(rich_run)})
            rich_run.clear()

    for node in soup.contents:
        if isinstance(node, NavigableString):
            text_html = _clean_text(str(node)).strip()
            if text_html:
                rich_run.append(f"<p>{text_html}</p>")
            continue
        name = node.name
        if name in _DROPPED_TAGS:
            continue
        if re.fullmatch(r"h[1-6]", name):
            flush()
            level = "h2" if name in {"h1", "h2"} else "h3"
            blocks.append({"type": "heading", "value": {"text": _plain(node), "level": level}})
        elif name == "blockquote":
            flush()
            blocks.append({"type": "quote", "value": _quote_value(node)})
        elif name == "hr":
            flush()
        elif name in _LIST_TAGS:
            rich_run.append(_list_html(node))
        else:
            inner = _inline_html(node.contents).strip()
            if inner:
                rich_run.append(f"<p>{inner}</p>")
    flush()
    return blocks


def _plain(node: Tag) -> str:
    return _SPACES.sub(" ", node.get_text(" ")).strip()


def _quote_value(node: Tag) -> dict:
    paragraphs = [_plain(p) for p in node.find_all("p") if _plain(p)] or [_plain(node)]
    source = ""
    if len(paragraphs) > 1 and paragraphs[-1].startswith(QUOTE_SOURCE_PREFIX.strip()):
        source = paragraphs.pop().lstrip("—").strip()
    return {"text": "\n\n".join(paragraphs), "source": source}


def _clean_text(text: str) -> str:
    return html.escape(_SPACES.sub(" ", text), quote=False)


def _list_html(node: Tag) -> str:
    items = [_item_html(li) for li in node.find_all("li", recursive=False)]
    return f"<{node.name}>{''.join(items)}</{node.name}>"


def _item_html(node: Tag) -> str:
    segments: list[str] = []
    inline: list = []
    nested: list[str] = []
    for child in node.contents:
        if isinstance(child, Tag) and child.name in _LIST_TAGS:
            nested.append(_list_html(child))
        elif isinstance(child, Tag) and child.name == "p":
            segments.extend([_inline_html(inline), _inline_html(child.contents)])
            inline = []
        else:
            inline.append(child)
    segments.append(_inline_html(inline))
    text = " ".join(segment.strip() for segment in segments if segment.strip())
    return f"<li>{text}{''.join(nested)}</li>"


def _inline_html(nodes: Iterable) -> str:
    """Sanitized inline HTML: only b, i, a[href] and br survive; other tags are unwrapped."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, NavigableString):
            out.append(_clean_text(str(node)))
            continue
        name = node.name
        if name in _DROPPED_TAGS:
            continue
        inner = _inline_html(node.contents)
        if name in _INLINE_TAGS:
            tag = _INLINE_TAGS[name]
            out.append(f"<{tag}>{inner}</{tag}>" if inner.strip() else inner)
        elif name == "a" and _SAFE_HREF.match(node.get("href", "")):
            out.append(f'<a href="{html.escape(node["href"])}">{inner}</a>')
        elif name == "br":
            out.append("<br/>")
        else:
            out.append(inner)
    return "".join(out)


# Blocks → Markdown ------------------------------------------------------------------


def blocks_to_markdown(blocks: Iterable[tuple[str, object]]) -> str:
    """Markdown for (block_type, value) pairs of paragraph, heading and quote blocks.

    Paragraph values are rich-text HTML with links already expanded to `href`s; other
    block types cannot be written in Markdown and are the caller's business.
    """
    parts: list[str] = []
    for block_type, value in blocks:
        if block_type == "paragraph":
            parts.extend(_rich_text_markdown(str(value)))
        elif block_type == "heading":
            hashes = "###" if value.get("level") == "h3" else "##"
            parts.append(f"{hashes} {_escape(value.get('text', ''))}")
        elif block_type == "quote":
            parts.append(_quote_markdown(value))
    return "\n\n".join(part for part in parts if part)


def _quote_markdown(value) -> str:
    paragraphs = [p for p in str(value.get("text", "")).split("\n\n") if p.strip()]
    lines = [_escape(_SPACES.sub(" ", p).strip()) for p in paragraphs]
    if value.get("source"):
        lines.append(QUOTE_SOURCE_PREFIX + _escape(value["source"], line_start=False))
    return "\n>\n".join(f"> {line}" for line in lines)


def _rich_text_markdown(source: str) -> list[str]:
    soup = BeautifulSoup(source, "html.parser")
    parts: list[str] = []
    for node in soup.contents:
        if isinstance(node, NavigableString):
            text = _escape(_SPACES.sub(" ", str(node)).strip())
            if text:
                parts.append(text)
        elif node.name in _LIST_TAGS:
            parts.append("\n".join(_list_markdown(node, depth=0)))
        elif node.name == "blockquote":
            parts.append("\n".join(f"> {line}" for line in _rich_text_markdown(str(node))))
        elif re.fullmatch(r"h[1-6]", node.name):
            parts.append(f"## {_escape(_plain(node))}")
        else:
            text = _inline_markdown(node.contents).strip()
            if text:
                parts.append(_escape_line_start(text))
    return parts


def _list_markdown(node: Tag, *, depth: int) -> list[str]:
    lines: list[str] = []
    indent = "    " * depth
    for number, li in enumerate(node.find_all("li", recursive=False), start=1):
        marker = f"{number}." if node.name == "ol" else "-"
        inline = [c for c in li.contents if not (isinstance(c, Tag) and c.name in _LIST_TAGS)]
        text = _escape_line_start(_inline_markdown(inline).strip())
        lines.append(f"{indent}{marker} {text}")
        for sub in li.find_all(_LIST_TAGS, recursive=False):
            lines.extend(_list_markdown(sub, depth=depth + 1))
    return lines


def _inline_markdown(nodes: Iterable) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, NavigableString):
            out.append(_escape(_SPACES.sub(" ", str(node)), line_start=False))
            continue
        inner = _inline_markdown(node.contents)
        if node.name in _INLINE_TAGS:
            mark = "**" if _INLINE_TAGS[node.name] == "b" else "*"
            out.append(_wrap(inner, mark))
        elif node.name == "a" and node.get("href"):
            href = node["href"]
            target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
            out.append(f"[{inner}]({target})")
        elif node.name == "br":
            out.append("  \n")
        elif node.name in _LIST_TAGS:
            continue
        else:
            out.append(inner)
    return "".join(out)


def _wrap(text: str, mark: str) -> str:
    """`**text**`, with surrounding spaces moved outside the markers (Markdown needs it)."""
    stripped = text.strip()
    if not stripped:
        return text
    before = text[: len(text) - len(text.lstrip())]
    after = text[len(text.rstrip()) :]
    return f"{before}{mark}{stripped}{mark}{after}"


_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_LINE_START = re.compile(r"^(\s*)([#>+-]|\d+\.)")


def _escape(text: str, *, line_start: bool = True) -> str:
    """Plain text as Markdown that renders back to the same text."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text).replace("<", "&lt;")
    return _escape_line_start(text) if line_start else text


def _escape_line_start(text: str) -> str:
    match = _LINE_START.match(text)
    if not match:
        return text
    marker = match.group(2)
    escaped = marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker
    return text[: match.start(2)] + escaped + text[match.end(2) :]
