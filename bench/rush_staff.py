"""A staff member saving the ceremony's settings through the admin during the rush,
and the database read afterwards (bench/registration_rush.py). Standard library only."""

from __future__ import annotations

import html
import html.parser
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.parse

from rush_http import ROOT, Browser  # bench/, next to this file

# -- staff edits during the rush ---------------------------------------------------------


class FormReader(html.parser.HTMLParser):
    """The fields of one form (found by its id or a class) as a browser would post them:
    text, number, hidden and password inputs; checkboxes only when checked; a select's
    selected option (else its first); textareas."""

    def __init__(self, marker: str):
        super().__init__(convert_charrefs=True)
        self.marker = marker
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.inside = (
                self.marker == attrs.get("id") or self.marker in (attrs.get("class") or "").split()
            )
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value") or "on"
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.first_option is None:
                self.first_option = value
            if "selected" in attrs:
                self.fields[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if self.select not in self.fields and self.first_option is not None:
                self.fields[self.select] = self.first_option
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data


def read_form(page: str, *, marker: str) -> dict[str, str]:
    reader = FormReader(marker)
    reader.feed(page)
    return reader.fields


def settings_edit_path(ceremony: int) -> str:
    return f"/admin/snippets/events/registrationsettings/edit/{ceremony}/"


class StaffEditor:
    """A staff member who saves the ceremony's settings through the admin's edit form
    (the Wagtail snippet editor) again and again while the rush runs: logs in, loads the
    form once, then posts it every `interval` seconds, adding `add_seats` to the
    capacity on every second save. A 302 is a save; a 200 is the form sent back with
    errors (a refusal); anything else, or a transport error, is an error."""

    def __init__(self, base, *, ceremony: int, username: str, password: str, timeout: float):
        self.base = base
        self.browser = Browser(base, timeout)
        self.path = settings_edit_path(ceremony)
        self.username, self.password = username, password
        self.fields: dict[str, str] = {}
        self.saves = 0
        self.refused = 0
        self.errors: list[str] = []
        self.posts_ms: list[float] = []

    def _post(self, path: str, fields: dict, referer: str):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"{self.base.scheme}://{self.base.netloc}",
            "Referer": f"{self.base.scheme}://{self.base.netloc}{referer}",
            "Accept": "text/html",
        }
        body = urllib.parse.urlencode(fields).encode()
        return self.browser.request("POST", path, body=body, headers=headers)

    def log_in(self) -> None:
        status, _, body = self.browser.request("GET", "/admin/login/")
        form = read_form(body.decode("utf-8", "replace"), marker="login-form")
        if status != 200 or "csrfmiddlewaretoken" not in form:
            raise RuntimeError(f"admin login page answered {status} without its form")
        form.update(username=self.username, password=self.password)
        status, response, _ = self._post("/admin/login/", form, "/admin/login/")
        if status != 302 or "sessionid" not in self.browser.cookies:
            raise RuntimeError(f"admin login refused ({status})")

    def load(self) -> None:
        status, _, body = self.browser.request("GET", self.path)
        self.fields = read_form(body.decode("utf-8", "replace"), marker="w-editor-form")
        if status != 200 or "capacity" not in self.fields:
            raise RuntimeError(f"GET {self.path} answered {status} without the settings form")

    def save(self, add_seats: int = 0) -> int:
        if add_seats and (self.saves + self.refused) % 2 == 1:
            self.fields["capacity"] = str(int(self.fields["capacity"]) + add_seats)
        started = time.perf_counter()
        status, _, _ = self._post(self.path, self.fields, self.path)
        self.posts_ms.append((time.perf_counter() - started) * 1000)
        if status == 302:
            self.saves += 1
        elif status == 200:
            self.refused += 1
        else:
            self.errors.append(f"POST {self.path} answered {status}")
        return status

    def run(self, *, interval: float, stop: threading.Event, add_seats: int = 0) -> None:
        try:
            if not self.fields:
                self.log_in()
                self.load()
            while not stop.wait(interval):
                self.save(add_seats)
        except Exception as error:  # noqa: BLE001 (reported in the summary)
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            self.browser.close()


STAFF_SCRIPT = r"""
import os
from django.contrib.auth import get_user_model
user, _ = get_user_model().objects.get_or_create(
    username="bench-staff", defaults={"email": "bench-staff@example.org"}
)
user.is_active = user.is_staff = user.is_superuser = True
user.set_password(os.environ["BENCH_STAFF_PASSWORD"])
user.save()
print("@@STAFF@@" + user.username)
"""


def staff_user_ensure(args) -> tuple[str, str]:
    """A superuser `bench-staff` with a new random password (the benchmark's database
    only: never run this against a production database)."""
    password = secrets.token_urlsafe(18)
    env = dict(os.environ, BENCH_STAFF_PASSWORD=password)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    command = [*args.manage, "shell", "-c", STAFF_SCRIPT]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("@@STAFF@@"):
            return line[9:], password
    raise RuntimeError(f"creating the staff user failed:\n{done.stderr[-2000:]}")


# -- the database ------------------------------------------------------------------------

DB_SCRIPT = r"""
import json
from liberation.events.models import RegistrationSettings
from liberation.registrations.models import Registration
c = RegistrationSettings.objects.get(pk=%(id)d)
fields = ("reference", "email", "status", "seats")
rows = list(Registration.objects.filter(ceremony=c).values_list(*fields))
print("@@DB@@" + json.dumps({"capacity": c.capacity, "seats_taken": c.seats_taken, "rows": rows}))
"""


def read_database(args) -> dict:
    command = [*args.manage, "shell", "-c", DB_SCRIPT % {"id": args.ceremony}]
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "liberation.settings.production")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("@@DB@@"):
            return json.loads(line[6:])
    raise RuntimeError(f"reading the database failed:\n{done.stderr[-2000:]}")
