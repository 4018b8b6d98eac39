"""An SMTP server in this process (aiosmtpd) and a tiny sender of our own: the mail app
is tested without any other app of the project."""

import asyncio
import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import translation

from liberation.mail import registry, services

SOURCE = "mailtest"


class Recorder:
    """aiosmtpd handler that keeps every message it accepted."""

    def __init__(self):
        self.received: list[email.message.EmailMessage] = []
        self.sessions: set[int] = set()
        self.rcpt_calls = 0
        self.rcpt_reply: str | None = None  # e.g. "550 …" to refuse recipients
        self.data_delay = 0.0  # seconds to wait before the final reply to DATA

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_calls += 1
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Recorded before any delay: from here on the server holds the message.
        self.received.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        self.sessions.add(id(session))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = Recorder()
        self.controller: Controller | None = None

    @property
    def received(self):
        return self.handler.received

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_port(settings):
    """Django's SMTP backend pointed at a free local port (nothing listens yet)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    return port


@pytest.fixture
def smtp_server(smtp_port):
    """The same, with a server listening."""
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def notes(monkeypatch):
    """The objects of a tiny sender: note id -> text. Its renderer writes a note in the
    language the worker made active, as the note is at delivery; a missing note has
    nothing to send."""
    objects: dict[int, str] = {}

    def render(message):
        text = objects.get(message.object_id)
        return None if text is None else f"[{translation.get_language()}] {text}"

    monkeypatch.setitem(registry._renderers, SOURCE, render)
    return objects


@pytest.fixture
def write(db, notes):
    """write(n, text=..., **outbox_write arguments): a note and its message."""

    def make(n: int = 1, *, text: str = "Bonjour", **kwargs):
        notes[n] = text
        fields = {
            "to": f"p{n}@example.org",
            "language": "fr",
            "kind": "note",
            "subject": f"Note {n}",
            "source": SOURCE,
            "object_id": n,
            **kwargs,
        }
        return services.outbox_write(**fields)

    return make


class DeferringTask:
    """Stands for `tasks.deliver_outbox` on a queue that can defer: records the
    `run_after` of each task the kick asks for."""

    def __init__(self):
        self.enqueued = []

    def get_backend(self):
        return self

    supports_defer = True

    def using(self, run_after):
        self.enqueued.append(run_after)
        return self

    def enqueue(self):
        pass
