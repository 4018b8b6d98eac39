"""The registration rush's HTTP client, like a browser (a cookie jar, one keep-alive
connection), the form's fields, and the server's CPU read from /proc
(bench/registration_rush.py). Standard library only."""

from __future__ import annotations

import html
import html.parser
import os
import re
import socket
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- HTTP, like a browser ----------------------------------------------------------------


# The form's action and its CSRF token, found with two patterns rather than a full HTML
# parse: html.parser spent ~1 ms per form page, most of this load generator's CPU on
# the same cores as the server (a browser parses on its own machine).
FORM_ACTION = re.compile(r'<form\b[^>]*\baction="([^"]*/r/inscription/[^"]*)"')
CSRF_INPUT = re.compile(
    r'<input\b[^>]*\bname="csrfmiddlewaretoken"[^>]*\bvalue="([^"]*)"'
    r'|<input\b[^>]*\bvalue="([^"]*)"[^>]*\bname="csrfmiddlewaretoken"'
)


def form_fields(page: str) -> tuple[str, str]:
    """(csrfmiddlewaretoken, action) of the registration form; empty strings if absent."""
    token = CSRF_INPUT.search(page)
    action = FORM_ACTION.search(page)
    return (
        html.unescape(token.group(1) or token.group(2) or "") if token else "",
        html.unescape(action.group(1)) if action else "",
    )


class Response:
    """What a browser keeps of an answer: status, headers (lower-case names), body."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    def getheader(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)


class Browser:
    """One cookie jar and one keep-alive connection (reopened when the server closes it).

    HTTP/1.1 over a plain socket rather than http.client: this load generator runs on
    the server's cores, and http.client's parsing cost about twice as much CPU per
    request. It reads what a browser needs here: status, Set-Cookie, Location,
    Connection, and the body by Content-Length or chunks."""

    def __init__(self, base: urllib.parse.SplitResult, timeout: float):
        self.host = base.hostname
        self.port = base.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.sock: socket.socket | None = None
        self.buffer = b""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "User-Agent: registration-rush/1",
            "Accept-Language: fr",
        ]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        try:
            self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
            response, close = self._read_response()
        except Exception:
            self.close()
            raise
        for name, value in response.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    key, val = pair.split("=", 1)
                    self.cookies[key.strip()] = val.strip()
        if close:
            self.close()
        return response.status, response, response.body

    def _recv(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-answer")
        self.buffer += chunk

    def _read_until(self, marker: bytes) -> bytes:
        while (end := self.buffer.find(marker)) < 0:
            self._recv()
        head, self.buffer = self.buffer[:end], self.buffer[end + len(marker) :]
        return head

    def _read_exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._recv()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_response(self) -> tuple[Response, bool]:
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        version, status = head[0].split(" ", 2)[:2]
        headers = []
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip().lower(), value.strip()))
        response = Response(int(status), headers, b"")
        length = response.getheader("content-length")
        connection = (response.getheader("connection") or "").lower()
        close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
        if length is not None:
            response.body = self._read_exactly(int(length))
        elif (response.getheader("transfer-encoding") or "").lower() == "chunked":
            parts = []
            while size := int(self._read_until(b"\r\n").split(b";")[0], 16):
                parts.append(self._read_exactly(size))
                self._read_until(b"\r\n")
            self._read_until(b"\r\n")  # no trailers are sent here
            response.body = b"".join(parts)
        elif response.status not in (204, 304) and not 100 <= response.status < 200:
            while True:  # until the server closes
                try:
                    self._recv()
                except ConnectionError:
                    break
            response.body, self.buffer, close = self.buffer, b"", True
        return response, close

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


# -- server CPU --------------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def server_pids(port: int) -> set[int]:
    """Processes holding a listening socket on the port, their parents' other children
    (gunicorn's master and workers), and all their descendants."""
    inodes = _listening_inodes(port)
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    found.add(int(proc.name))
                    break
        except OSError:
            continue
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    todo, pids = list(found), set()
    while todo:
        pid = todo.pop()
        if pid not in pids:
            pids.add(pid)
            todo.extend(children.get(pid, []))
    return pids


def cpu_seconds(pids: set[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLK_TCK
