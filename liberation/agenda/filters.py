"""The agenda's filters: one form for every view that lists events (the agenda page,
the iCal and RSS/Atom feeds, the open data files, the API, the map).

    form = AgendaFilterForm(request.GET)
    if form.is_valid():
        filters = form.filters()        # an AgendaFilters, frozen
        sessions = agenda_sessions(filters)   # liberation.agenda.selectors
    else:
        form.errors                     # localized messages; answer 400, never 500

Every filter is a GET parameter, so a filtered URL can be shared, bookmarked or
subscribed to (webcal://). `AgendaFilters.querystring()` writes them back.
"""

import dataclasses
import datetime as dt
import re
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from liberation.content.models import Theme
from liberation.places.forms import CommuneInput
from liberation.places.models import Commune, Departement
from liberation.places.selectors import commune_from_text
from liberation.programme.models import Project

ACCESSIBILITY = [
    ("wheelchair", _("Wheelchair accessible")),
    ("sign_language", _("Sign language")),
    ("audio_description", _("Audio description")),
    ("easy_to_read", _("Easy to read (FALC)")),
]
ACCESSIBILITY_FIELDS = frozenset(key for key, _label in ACCESSIBILITY)
MAX_RADIUS_KM = 200
# Dates far outside the anniversary are refused rather than scanned.
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT_RE = re.compile(r"^(\d{2,3}|2[AB])$")
# Parameters of the form, in URL order (a stable order keeps URLs cacheable).
PARAMS = (
    "date_from",
    "date_until",
    "departement",
    "commune",
    "radius_km",
    "kind",
    "theme",
    "audience",
    "accessibility",
    "free",
)


@dataclasses.dataclass(frozen=True)
class AgendaFilters:
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    departement: str = ""
    commune: str = ""  # INSEE code
    radius_km: int | None = None
    # The commune's point, looked up by the form (for the radius).
    latitude: float | None = None
    longitude: float | None = None
    kind: str = ""
    theme: str = ""  # Theme slug
    audience: str = ""
    accessibility: tuple[str, ...] = ()
    free: bool = False

    @property
    def is_empty(self) -> bool:
        return self == AgendaFilters()

    @property
    def excludes_ceremonies(self) -> bool:
        """National ceremonies carry a date and a venue only: any other filter than
        the dates (or the type "ceremony") leaves them out."""
        return bool(
            self.departement
            or self.commune
            or (self.kind and self.kind != Project.Kind.CEREMONY)
            or self.theme
            or self.audience
            or self.accessibility
            or self.free
        )

    def with_default_start(self, today: dt.date) -> "AgendaFilters":
        """Upcoming events unless a start date is asked for."""
        if self.date_from is not None:
            return self
        if self.date_until is not None and self.date_until < today:
            return self
        return dataclasses.replace(self, date_from=today)

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for name in PARAMS:
            value = getattr(self, name)
            if name == "accessibility":
                out.extend(("accessibility", v) for v in value)
            elif name == "free":
                if value:
                    out.append(("free", "1"))
            elif isinstance(value, dt.date):
                out.append((name, value.isoformat()))
            elif value not in (None, ""):
                out.append((name, str(value)))
        return out

    def querystring(self) -> str:
        return urlencode(self.params())


class AgendaFilterForm(forms.Form):
    """GET parameters of the agenda. Choices of départements and themes are read from
    the database when the form is built (two small queries)."""

    date_from = forms.DateField(
        label=_("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a valid date (YYYY-MM-DD).")},
    )
    date_until = forms.DateField(
        label=_("Until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a valid date (YYYY-MM-DD).")},
    )
    departement = forms.ChoiceField(label=_("Département"), required=False)
    commune = forms.CharField(
        label=_("Commune"),
        required=False,
        max_length=120,
        help_text=_("Name or INSEE code, e.g. “Bayeux” or 50129 for Cherbourg-en-Cotentin."),
        widget=CommuneInput(),
    )
    radius_km = forms.IntegerField(
        label=_("Within (km)"),
        required=False,
        min_value=1,
        max_value=MAX_RADIUS_KM,
        error_messages={
            "invalid": _("Enter a whole number of kilometres."),
            "min_value": _("The radius is at least 1 km."),
            "max_value": _("The radius is at most %(limit_value)s km."),
        },
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Project.Kind.choices]
    )
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    audience = forms.ChoiceField(
        label=_("Audience"),
        required=False,
        choices=[("", _("All audiences")), *Project.Audience.choices],
    )
    accessibility = forms.MultipleChoiceField(
        label=_("Accessibility"),
        required=False,
        choices=ACCESSIBILITY,
        widget=forms.CheckboxSelectMultiple,
    )
    free = forms.BooleanField(label=_("Free events only"), required=False)

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.fields["departement"].choices = [
            ("", _("All départements")),
            *((d.code, str(d)) for d in Departement.objects.only("code", "name")),
        ]
        self.fields["theme"].choices = [
            ("", _("All themes")),
            *((t.slug, t.name) for t in Theme.objects.all()),
        ]
        self._commune: Commune | None = None

    @property
    def commune_widget_attrs(self) -> dict[str, str]:
        """The autocomplete's attributes (places.forms.CommuneInput: the API's URL, the
        announced counts, the chosen commune's code and label)."""
        widget = self.fields["commune"].widget
        value = self._commune or ""
        return widget.get_context("commune", value, {})["widget"]["attrs"]

    def clean_commune(self) -> str:
        """An INSEE code, the autocomplete's label "Caen (14)" or a name only one
        commune bears; kept as the INSEE code (the URL of the filters stays stable)."""
        text = self.cleaned_data.get("commune", "").strip()
        if not text:
            return ""
        code = text.upper()
        if INSEE_RE.match(code):
            commune = Commune.objects.filter(insee=code).first()
            if commune is None:
                raise forms.ValidationError(
                    _("No commune has the INSEE code %(code)s."),
                    code="unknown",
                    params={"code": code},
                )
        else:
            commune, candidates = commune_from_text(text)
            if commune is None and candidates:
                raise forms.ValidationError(
                    _(
                        "Several communes are named “%(value)s” (%(choices)s): choose one "
                        "from the list or enter its INSEE code."
                    ),
                    code="ambiguous",
                    params={
                        "value": text,
                        "choices": ", ".join(
                            f"{c.name} ({c.departement_id})" for c in candidates[:5]
                        ),
                    },
                )
            if commune is None:
                raise forms.ValidationError(
                    _(
                        "No commune is named “%(value)s”: check its spelling or enter its "
                        "INSEE code."
                    ),
                    code="unknown",
                    params={"value": text},
                )
            code = commune.insee
        self._commune = commune
        return code

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_until")
        for name in ("date_from", "date_until"):
            value = data.get(name)
            if value is not None and not MIN_DATE <= value <= MAX_DATE:
                self.add_error(
                    name,
                    _("Choose a date between %(min)s and %(max)s.")
                    % {"min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
                )
        if start and end and end < start:
            self.add_error("date_until", _("The end date must not be before the start date."))
        if data.get("radius_km") and not data.get("commune") and "commune" not in self.errors:
            self.add_error("radius_km", _("Choose a commune to search around."))
        if (
            data.get("radius_km")
            and self._commune is not None
            and (self._commune.latitude is None or self._commune.longitude is None)
        ):
            self.add_error("radius_km", _("This commune has no known location."))
        return data

    def filters(self) -> AgendaFilters:
        """The valid filters; call after is_valid()."""
        data = self.cleaned_data
        commune = self._commune
        radius = data.get("radius_km") if commune is not None else None
        return AgendaFilters(
            date_from=data.get("date_from"),
            date_until=data.get("date_until"),
            departement=data.get("departement") or "",
            commune=data.get("commune") or "",
            radius_km=radius,
            latitude=commune.latitude if radius else None,
            longitude=commune.longitude if radius else None,
            kind=data.get("kind") or "",
            theme=data.get("theme") or "",
            audience=data.get("audience") or "",
            accessibility=tuple(a for a, _l in ACCESSIBILITY if a in data.get("accessibility", [])),
            free=bool(data.get("free")),
        )

    def error_list(self) -> list[tuple[str, str]]:
        """(field label, message) for each error, for an error summary."""
        out = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            out.extend((str(label), str(message)) for message in errors)
        return out
