"""Wagtail admin sign-in, throttled per account and per client address (issue 13, 6).

Failed attempts are counted in the Django cache (`core/ratelimit.py`: Redis in
production, shared by every worker; locmem in tests), each in a fixed window:

- **per account**: the username typed, hashed (whether or not such an account exists,
  so that the answer never tells which accounts exist);
- **per client address** (`ratelimit.client_address`, which follows
  `REGISTRATION_CLIENT_IP_HEADER` behind a proxy): more generous, an office shares one.

Once either count reaches its limit, a sign-in POST is answered 429 with the login form
and a localized message, **without checking the password** (even the right one is
refused until the window ends). A successful sign-in clears the account's count.

Settings (docs/deployment.md, "Admin sign-in"):
- `ADMIN_LOGIN_FAILURE_LIMIT`: `(failures, seconds)` per account, default `(5, 900)`;
- `ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT`: per address, default `(30, 900)`;
  `None` turns a limit off.
"""

from django.conf import settings
from django.core.cache import cache
from django.forms.utils import ErrorDict
from django.utils.translation import ngettext
from wagtail.admin.views.account import LoginView

from liberation.core import ratelimit

DEFAULT_ACCOUNT_LIMIT = (5, 900)
DEFAULT_ADDRESS_LIMIT = (30, 900)


def _limit(name: str, default: tuple[int, int]) -> tuple[int, int] | None:
    value = getattr(settings, name, default)
    if not value:
        return None
    failures, seconds = value
    return int(failures), int(seconds)


def _keys(request, username: str) -> list[tuple[str, tuple[int, int]]]:
    keys = []
    account = _limit("ADMIN_LOGIN_FAILURE_LIMIT", DEFAULT_ACCOUNT_LIMIT)
    if account:
        keys.append((f"login:account:{ratelimit.person_key(username)}", account))
    address = _limit("ADMIN_LOGIN_ADDRESS_FAILURE_LIMIT", DEFAULT_ADDRESS_LIMIT)
    if address:
        keys.append((f"login:address:{ratelimit.client_address(request)}", address))
    return keys


def _window_key(key: str, seconds: int, at: float) -> str:
    return f"{key}:{int(at // seconds)}"


def retry_after(request, username: str) -> int:
    """Seconds until this account and address may try again; 0 when not throttled."""
    at = ratelimit.now()
    wait = 0
    for key, (failures, seconds) in _keys(request, username):
        if (cache.get(_window_key(key, seconds, at)) or 0) >= failures:
            window_end = (int(at // seconds) + 1) * seconds
            wait = max(wait, max(1, int(window_end - at + 0.999)))
    return wait


def record_failure(request, username: str) -> None:
    at = ratelimit.now()
    for key, (_failures, seconds) in _keys(request, username):
        ratelimit._increment(_window_key(key, seconds, at), seconds + 1)


def record_success(request, username: str) -> None:
    """Clear the account's count (the address's stays: one success proves nothing about
    the other accounts tried from there)."""
    at = ratelimit.now()
    for key, (_failures, seconds) in _keys(request, username):
        if key.startswith("login:account:"):
            cache.delete(_window_key(key, seconds, at))


class ThrottledLoginView(LoginView):
    """Wagtail's login view; a throttled POST never reaches the password check."""

    def _username(self) -> str:
        return str(self.request.POST.get("username", ""))[:320]

    def post(self, request, *args, **kwargs):
        wait = retry_after(request, self._username())
        if not wait:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form._errors = ErrorDict()  # no full_clean: it would call authenticate()
        form.cleaned_data = {}
        minutes = max(1, (wait + 59) // 60)
        form.add_error(
            None,
            ngettext(
                "Too many failed sign-in attempts. Try again in %(minutes)d minute.",
                "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 429
        response["Retry-After"] = str(wait)
        return response

    def form_valid(self, form):
        record_success(self.request, self._username())
        return super().form_valid(form)

    def form_invalid(self, form):
        record_failure(self.request, self._username())
        return super().form_invalid(form)


throttled_login = ThrottledLoginView.as_view()
