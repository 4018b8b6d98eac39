"""Gate check-in for staff: the offline-capable app, the lists it downloads, the scans
it sends.

Every view but the service worker script requires a signed-in user holding
`gate.add_checkin` (anonymous → the admin login page, others → 403), and the check-in
right on the ceremony (registrations' `staff_ceremonies`; another ceremony → 404). The scan
endpoint takes JSON with Django's CSRF header, from the staff session. Each download of
the attendee list (names) is written to the audit log.
"""

import hashlib
import json
import logging
from datetime import UTC, datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from liberation.events.models import CeremonyPage, RegistrationSettings
from liberation.events.selectors import ceremony_page
from liberation.registrations.selectors import Right, staff_ceremonies
from liberation.registrations.staff_services import audit_write

from . import badges
from .checkin import checkin_record, refusal_message

PERMISSION = "gate.add_checkin"
LOGIN_URL = "wagtailadmin_login"
logger = logging.getLogger(__name__)
MAX_SCANS_PER_REQUEST = 500
# What the service worker keeps for offline use (besides the app page itself, which
# the app adds to the cache once it has loaded).
OFFLINE_ASSETS = [
    "checkin/checkin.js",
    "checkin/checkin.css",
    "checkin/vendor/jsQR.js",
    "checkin/vendor/noble-ed25519.js",
    "dsfr/dist/dsfr/dsfr.min.css",
    "dsfr/dist/utility/utility.min.css",
    "dsfr/dist/favicon/favicon.svg",
]
SW_VERSION = "2"  # 2: badges of other sources (press)


def staff_only(view):
    """Signed in (else the login page), with the check-in permission (else 403)."""
    return login_required(
        permission_required(PERMISSION, raise_exception=True)(view), login_url=LOGIN_URL
    )


def _ceremony_title(ceremony: RegistrationSettings) -> tuple[str, CeremonyPage | None]:
    page = ceremony_page(settings=ceremony, language=translation.get_language() or "fr")
    return (page.title if page else ceremony.name), page


def _gate_ceremony(request: HttpRequest, ceremony_id: int) -> RegistrationSettings:
    """The ceremony, if the user may check in there; 404 otherwise (even if it exists)."""
    ceremony = (
        staff_ceremonies(user=request.user, right=Right.CHECK_IN).filter(pk=ceremony_id).first()
    )
    if ceremony is None:
        raise Http404
    return ceremony


def _staff(request: HttpRequest) -> str:
    return request.user.get_username()


@never_cache
@require_GET
@staff_only
def checkin_index(request: HttpRequest) -> HttpResponse:
    ceremonies = []
    allowed = staff_ceremonies(user=request.user, right=Right.CHECK_IN)
    for ceremony in allowed.order_by("-closes_at"):
        title, page = _ceremony_title(ceremony)
        ceremonies.append({"ceremony": ceremony, "title": title, "page": page})
    return render(request, "gate/checkin_index.html", {"ceremonies": ceremonies})


def _client_strings() -> dict:
    """The app's sentences in the page's language: the app runs offline, so they travel
    with the page rather than being asked for."""
    reasons = [
        "malformed",
        "bad_signature",
        "wrong_ceremony",
        "unknown",
        "bad_code",
        "revoked",
        "not_eligible",
        "superseded",
        "bad_nonce",
        "nonce_conflict",
    ]
    strings = {f"reason_{reason}": refusal_message(reason) for reason in reasons}
    strings.update(
        {
            "reason_not_listed": _(
                "Valid signature, but not on the attendee list downloaded: refresh the "
                "lists when the network is back, or ask a supervisor."
            ),
            "no_data": _("Download the lists first (this needs the network)."),
            "accepted": _("Admitted"),
            "refused": _("Refused"),
            "already_title": _("Already checked in"),
            "already": _("Already checked in at %(time)s, gate %(gate)s"),
            "already_no_gate": _("Already checked in at %(time)s"),
            "seats_one": ngettext("%(seats)d seat", "%(seats)d seats", 1),
            "seats_many": ngettext("%(seats)d seat", "%(seats)d seats", 2),
            "queued": _("Recorded on this device; it will be sent when the network is back."),
            "synced": _("Recorded by the server."),
            "online": _("Online"),
            "offline": _("Offline"),
            "lists_loaded": _("Lists of %(time)s: %(attendees)s badges, %(revoked)s revoked."),
            "lists_none": _("No list on this device yet."),
            "lists_bad": _("The lists stored on this device fail their signature check."),
            "download_failed": _("Download failed: %(error)s"),
            "pending": _("%(count)s scan(s) waiting to be sent."),
            "pending_none": _("Every scan has been sent."),
            "sync_failed": _("Sending failed; the scans are kept and will be sent again."),
            "session_expired": _(
                "Your session has expired: sign in again (the scans are kept on this device)."
            ),
            "camera_failed": _("The camera cannot be used: %(error)s. Type the code instead."),
            "camera_unsupported": _("This browser cannot use the camera: type the code."),
        }
    )
    return strings


@never_cache
@require_GET
@staff_only
def checkin_app(request: HttpRequest, ceremony_id: int) -> HttpResponse:
    ceremony = _gate_ceremony(request, ceremony_id)
    title, page = _ceremony_title(ceremony)
    language = translation.get_language() or "fr"
    config = {
        "ceremony": ceremony.pk,
        "language": language,
        "timeZone": settings.TIME_ZONE,
        "staff": _staff(request),
        "csrfToken": get_token(request),
        "csrfCookie": settings.CSRF_COOKIE_NAME,
        "urls": {
            "data": reverse("badges:checkin_data", args=[ceremony.pk]),
            "scans": reverse("badges:checkin_scans", args=[ceremony.pk]),
            "serviceWorker": reverse("badges:checkin_sw"),
            "scope": reverse("badges:checkin_index"),
            "noble": static("checkin/vendor/noble-ed25519.js"),
            "login": reverse(LOGIN_URL) + "?" + urlencode({"next": request.path}),
        },
        "strings": _client_strings(),
    }
    return render(
        request,
        "gate/checkin.html",
        {"ceremony": ceremony, "title": title, "ceremony_page": page, "config": config},
    )


@never_cache
@require_GET
@staff_only
def checkin_data(request: HttpRequest, ceremony_id: int) -> JsonResponse:
    """Everything a gate needs offline: public key, attendee and revocation lists."""
    ceremony = _gate_ceremony(request, ceremony_id)
    attendees = badges.attendee_list(ceremony)
    count = len(json.loads(attendees["document"])["attendees"])
    audit_write(
        user=request.user,
        action="checkin_list_download",
        ceremony=ceremony,
        detail=f"attendee list for the gate: {count} badges",
    )
    title, _page = _ceremony_title(ceremony)
    return JsonResponse(
        {
            "ceremony": ceremony.pk,
            "title": title,
            "public_key": badges.public_key_b64(ceremony),
            "attendees": attendees,
            "revocations": badges.revocation_list(ceremony),
            "downloaded_at": timezone.now().isoformat(timespec="seconds"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@never_cache
@require_GET
@staff_only
def checkin_revocations(request: HttpRequest, ceremony_id: int) -> JsonResponse:
    """The signed revocation list alone (references only: no personal data)."""
    ceremony = _gate_ceremony(request, ceremony_id)
    return JsonResponse(
        {
            "ceremony": ceremony.pk,
            "public_key": badges.public_key_b64(ceremony),
            "revocations": badges.revocation_list(ceremony),
        }
    )


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


# A gate's clock before this is not a clock: the scan is dated when it is received.
EARLIEST_SCAN = datetime(2000, 1, 1, tzinfo=UTC)


def _parse_time(value) -> datetime | None:
    """The scan's time, or None (dated on receipt) when it is missing, unreadable, or
    outside what a clock can say (year 1 in UTC+5 is not representable in UTC)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = parse_datetime(value)
        if parsed is not None and timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        if parsed is not None and parsed.astimezone(UTC) < EARLIEST_SCAN:
            return None
    except (ValueError, OverflowError):
        return None
    return parsed


def _invalid(scan) -> dict:
    """The answer to an item that is not a scan: refused on its own, the batch goes on."""
    nonce = scan.get("nonce") if isinstance(scan, dict) else None
    return {
        "nonce": nonce if isinstance(nonce, str) and len(nonce) <= 64 else None,
        "status": "refused",
        "reason": "invalid",
        "message": refusal_message("invalid"),
    }


@never_cache
@require_POST
@staff_only
def checkin_scans(request: HttpRequest, ceremony_id: int) -> JsonResponse:
    """Record a batch of scans: `{"scans": [{nonce, token, gate, scanned_at}]}`.

    Each scan is answered on its own (accepted, already, refused); a batch sent twice
    gets the same answers and writes nothing the second time.
    """
    ceremony = _gate_ceremony(request, ceremony_id)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _bad_request(_("The request is not valid JSON."))
    scans = body.get("scans") if isinstance(body, dict) else None
    if not isinstance(scans, list) or not scans:
        return _bad_request(_("The request holds no scan."))
    if len(scans) > MAX_SCANS_PER_REQUEST:
        return _bad_request(_("Too many scans in one request."))
    # Each item is answered on its own: a malformed one is refused with a reason and the
    # others are recorded, so one bad scan never makes the device resend its batch forever.
    results = []
    for scan in scans:
        token = scan.get("token") if isinstance(scan, dict) else None
        nonce = scan.get("nonce") if isinstance(scan, dict) else None
        gate = (scan.get("gate") or "") if isinstance(scan, dict) else None
        if not (isinstance(token, str) and isinstance(nonce, str) and isinstance(gate, str)):
            results.append(_invalid(scan))
            continue
        try:
            result = checkin_record(
                ceremony=ceremony,
                token=token,
                nonce=nonce,
                gate=gate,
                scanned_at=_parse_time(scan.get("scanned_at")),
                staff=_staff(request),
            )
        except (ValueError, OverflowError, DataError):
            logger.warning(
                "check-in: scan %r of ceremony %s refused as invalid", nonce, ceremony.pk
            )
            results.append(_invalid(scan))
            continue
        results.append({"nonce": nonce, **result.as_json()})
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /<lang>/controle/ so that its scope covers the
    app pages (a script under /static/ could only control /static/)."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    version = hashlib.sha256(
        "\n".join([SW_VERSION, *assets]).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    response = render(
        request,
        "gate/checkin_sw.js",
        {
            "assets_json": json.dumps(assets),
            "version": version,
            "static_url": settings.STATIC_URL,
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response
