"""The registration-rush load generator's own HTTP client and form reading
(bench/registration_rush.py): a wrong reading there would skew every figure."""

import http.server
import importlib.util
import threading
import urllib.parse
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location(
    "registration_rush", Path(__file__).resolve().parent.parent / "bench" / "registration_rush.py"
)
rush = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(rush)

PAGE = (
    '<html><body><form method="post" action="/fr/r/inscription/7/" id="f" novalidate>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="tok&amp;en">'
    "</form></body></html>"
)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Handler.connections.append(id(self.connection))
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"Hello, ", b"chunked world"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "csrftoken=abc123; Path=/; SameSite=Lax")
        if self.path == "/close":
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode())
        cookie = self.headers.get("Cookie", "")
        self.send_response(303)
        self.send_header("Location", f"/fr/r/REF-{fields['n'][0]}/?c={cookie}")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Handler.connections = []
    yield urllib.parse.urlsplit(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()
    httpd.server_close()


def test_form_fields_reads_token_and_action():
    assert rush.form_fields(PAGE) == ("tok&en", "/fr/r/inscription/7/")
    reordered = '<input value="v1" type="hidden" name="csrfmiddlewaretoken">'
    assert rush.form_fields(reordered) == ("v1", "")
    assert rush.form_fields("<p>closed</p>") == ("", "")


def test_browser_keeps_cookies_and_the_connection(server):
    browser = rush.Browser(server, timeout=5)
    status, _, body = browser.request("GET", "/form")
    assert status == 200 and body == PAGE.encode()
    assert browser.cookies == {"csrftoken": "abc123"}
    status, response, body = browser.request(
        "POST", "/form", body=b"n=42", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 303 and body == b""
    assert response.getheader("Location") == "/fr/r/REF-42/?c=csrftoken=abc123"
    assert len(set(Handler.connections)) == 1  # GET and POST on one kept-alive connection
    browser.close()


def test_browser_reads_chunks_and_reconnects_after_close(server):
    browser = rush.Browser(server, timeout=5)
    assert browser.request("GET", "/chunked")[2] == b"Hello, chunked world"
    assert browser.request("GET", "/close")[0] == 200
    assert browser.sock is None  # the server said Connection: close
    assert browser.request("GET", "/form")[0] == 200
    browser.close()
