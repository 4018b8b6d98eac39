"""Forms of the public registration flow: the registration itself and the companions.

They parse and check what a person typed (names, email, dates, consent, one person
listed twice, and the hidden field only bots fill); the rules that need the database
(seats, windows, one registration per person) stay in services.py. The fields follow
the ceremony's settings: identity fields only when screening asks for them, one fixed
row per allowed companion (the page works without JavaScript).

The markup is DSFR's, rendered by `registrations/_field.html`: `decorate()` gives each
widget its DSFR class, `autocomplete`, and an `aria-describedby` that names its hint
and its error message.
"""

import re

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from liberation.core.forms import (
    HONEYPOT,
    MIN_BIRTH_DATE,
    DsfrFormMixin,
    HoneypotMixin,
    TypedTextField,
    honeypot_field,
    validate_birth_date,
    validate_name,
)
from liberation.events.models import RegistrationSettings

from .models import Registration
from .services import Person, RegistrationRequest, _fold

# A browser without a date picker sends what the person typed: accept the usual forms.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"]
# The hidden field: people never see it, form-filling bots fill it.
IDENTITY_FIELDS = ("birth_date", "birth_place", "nationality")
COMPANION_KEY = re.compile(r"^companion_(\d+)_")


def _row_number(digits: str) -> int:
    """A companion row number as posted: a number too long for int() is simply too big."""
    return int(digits) if len(digits) <= 6 else 10**6


def _name_field(label, autocomplete: str, required: bool = True) -> forms.CharField:
    return TypedTextField(
        label=label,
        max_length=150,
        required=required,
        validators=[validate_name],
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, "spellcheck": "false"}),
    )


def _identity_fields(ceremony: RegistrationSettings, *, companion: bool) -> dict:
    """The identity fields the ceremony asks for; a companion's are checked in clean()."""
    fields = {}
    required = not companion
    if ceremony.ask_birth_date:
        fields["birth_date"] = forms.DateField(
            label=_("Date of birth"),
            required=required,
            input_formats=DATE_INPUT_FORMATS,
            validators=[validate_birth_date],
            help_text=_("For example: 08/05/1950"),
            widget=forms.DateInput(
                format="%Y-%m-%d",
                attrs={
                    "type": "date",
                    "autocomplete": "off" if companion else "bday",
                    "min": MIN_BIRTH_DATE.isoformat(),
                    "max": timezone.localdate().isoformat(),
                },
            ),
        )
    if ceremony.ask_birth_place:
        fields["birth_place"] = TypedTextField(
            label=_("Place of birth"),
            max_length=150,
            required=required,
            help_text=_("Town, and country if outside France"),
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        )
    if ceremony.ask_nationality:
        fields["nationality"] = TypedTextField(
            label=_("Nationality"),
            max_length=100,
            required=required,
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        )
    return fields


class CompanionRowsMixin(DsfrFormMixin):
    """One fixed row of fields per allowed companion, each optional as a whole."""

    ceremony: RegistrationSettings

    def _add_companion_fields(self) -> None:
        self.companion_rows = []
        for n in range(1, self.ceremony.max_companions + 1):
            row = {
                "given_name": _name_field(_("Given names"), "off", required=False),
                "surname": _name_field(_("Surname"), "off", required=False),
                **_identity_fields(self.ceremony, companion=True),
            }
            names = []
            for key, field in row.items():
                name = f"companion_{n}_{key}"
                self.fields[name] = field
                self.summary_labels[name] = _("Companion %(n)s – %(field)s") % {
                    "n": n,
                    "field": field.label,
                }
                names.append(name)
            self.companion_rows.append({"number": n, "names": names})

    def companion_row_fields(self):
        """For the template: [(number, [bound fields])]."""
        return [
            {"number": row["number"], "fields": [self[name] for name in row["names"]]}
            for row in self.companion_rows
        ]

    def _too_many_companions(self) -> bool:
        """A crafted POST can carry rows beyond the allowed number: refuse, never drop."""
        allowed = self.ceremony.max_companions
        for key, value in self.data.items():
            match = COMPANION_KEY.match(key)
            if match and value.strip() and _row_number(match.group(1)) > allowed:
                return True
        return False

    def _same_person_key(self, person: Person) -> tuple:
        """Who a person is, for spotting a repeat: names folded (case, accents, spaces)
        as services.identity_key does, and the birth date when the ceremony asks for it."""
        birth_date = person.birth_date if self.ceremony.ask_birth_date else None
        return (_fold(person.surname), _fold(person.given_name), birth_date)

    def _refuse_repeats(
        self, row_people: list[tuple[int, Person]], registrant: Person | None
    ) -> None:
        """An inline error on each companion row that repeats the registrant or an
        earlier row: one person cannot take two seats."""
        seen = {}
        if registrant is not None:
            seen[self._same_person_key(registrant)] = None
        for n, person in row_people:
            key = self._same_person_key(person)
            if key not in seen:
                seen[key] = n
                continue
            first = seen[key]
            if first is None:
                error = forms.ValidationError(
                    _("Companion %(n)s is the same person as the registrant.") % {"n": n},
                    code="companion_is_registrant",
                )
            else:
                error = forms.ValidationError(
                    _("Companion %(n)s is the same person as companion %(first)s.")
                    % {"n": n, "first": first},
                    code="duplicate_companion",
                )
            self.add_error(f"companion_{n}_given_name", error)

    def _clean_companions(self, *, registrant: Person | None = None) -> list[Person]:
        """The filled companion rows as people; `registrant`, when known, must not be
        listed again among them."""
        if self._too_many_companions():
            raise forms.ValidationError(
                _("You may register at most %(n)s companion(s).")
                % {"n": self.ceremony.max_companions},
                code="too_many_companions",
            )
        people = []
        for row in self.companion_rows:
            n = row["number"]
            values = {name.split("_", 2)[2]: self.cleaned_data.get(name) for name in row["names"]}
            raw_filled = any(
                (self.data.get(self.add_prefix(name)) or "").strip() for name in row["names"]
            )
            if not raw_filled:
                continue
            complete = True
            for name in row["names"]:
                key = name.split("_", 2)[2]
                if name in self.errors:
                    complete = False
                elif not values.get(key):
                    complete = False
                    self.add_error(
                        name,
                        forms.ValidationError(
                            _("Fill in this field for companion %(n)s, or empty the whole row.")
                            % {"n": n},
                            code="incomplete_companion",
                        ),
                    )
            if complete:
                people.append(
                    (
                        n,
                        Person(
                            given_name=values["given_name"],
                            surname=values["surname"],
                            birth_date=values.get("birth_date"),
                            birth_place=values.get("birth_place") or "",
                            nationality=values.get("nationality") or "",
                        ),
                    )
                )
        self._refuse_repeats(people, registrant)
        return [person for _n, person in people]


class RegistrationForm(HoneypotMixin, CompanionRowsMixin, forms.Form):
    """The registrant, their companions, consent; `to_request()` feeds registration_create."""

    def __init__(
        self,
        *args,
        ceremony: RegistrationSettings,
        offer_waitlist: bool = False,
        personal_data_url: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.ceremony = ceremony
        self.offer_waitlist = offer_waitlist
        self.summary_labels = {}
        self.fields["given_name"] = _name_field(_("Given names"), "given-name")
        self.fields["surname"] = _name_field(_("Surname"), "family-name")
        self.fields["email"] = forms.EmailField(
            label=_("Email address"),
            max_length=254,
            help_text=_(
                "The confirmation and your private management link are sent to this address. "
                "Expected format: name@example.org"
            ),
            widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        )
        self.fields.update(_identity_fields(ceremony, companion=False))
        self._add_companion_fields()
        # Always accepted (a person who ticked it wants it), shown when the ceremony is full.
        self.fields["join_waitlist"] = forms.BooleanField(
            label=_("If no seats are left, put me on the waiting list"),
            required=False,
            help_text=_(
                "Freed seats are offered in waiting-list order, by email; you then have "
                "%(hours)s hours to accept them."
            )
            % {"hours": ceremony.offer_hours},
        )
        self.fields["consent"] = forms.BooleanField(
            label=_(
                "I agree that the personal data in this form is processed to handle my "
                "registration to this ceremony"
            ),
            error_messages={
                "required": _("You must agree to the processing of your data to register.")
            },
        )
        self.fields[HONEYPOT] = honeypot_field()
        self.link_personal_data(personal_data_url)
        self.decorate()

    def link_personal_data(self, url: str) -> None:
        """The consent hint: what the data is for, how long it is kept, and the notice.

        Separate from __init__ so that a successful POST never looks the page up."""
        ceremony = self.ceremony
        text = _(
            "This data is used only to handle your registration and is erased %(days)s days "
            "after the ceremony."
        ) % {"days": ceremony.retention_days}
        if ceremony.screening_required:
            screening = _("It is passed to the security services, who screen every attendee.")
            text = format_html("{} {}", text, screening)
        if url:
            text = format_html(
                '{} <a href="{}">{}</a>', text, url, _("Personal data and your rights")
            )
        self.fields["consent"].help_text = text

    @property
    def has_identity_fields(self) -> bool:
        return any(name in self.fields for name in IDENTITY_FIELDS)

    def registrant_fields(self):
        names = ["given_name", "surname", "email", *IDENTITY_FIELDS]
        return [self[name] for name in names if name in self.fields]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        cleaned["companions"] = self._clean_companions(registrant=self._registrant())
        return cleaned

    def _registrant(self) -> Person | None:
        """The registrant as typed, or None while the fields that say who it is are invalid
        (their own errors are shown; no repeat is guessed from half an identity)."""
        data = self.cleaned_data
        needed = ["given_name", "surname"]
        if self.ceremony.ask_birth_date:
            needed.append("birth_date")
        if any(not data.get(name) for name in needed):
            return None
        return Person(
            given_name=data["given_name"],
            surname=data["surname"],
            birth_date=data.get("birth_date"),
        )

    def to_request(self, *, language: str) -> RegistrationRequest:
        data = self.cleaned_data
        return RegistrationRequest(
            email=data["email"],
            registrant=Person(
                given_name=data["given_name"],
                surname=data["surname"],
                birth_date=data.get("birth_date"),
                birth_place=data.get("birth_place") or "",
                nationality=data.get("nationality") or "",
            ),
            companions=data["companions"],
            language=language,
            join_waitlist=bool(data.get("join_waitlist")),
        )


class CompanionsForm(CompanionRowsMixin, forms.Form):
    """Change the named companions of a registration (rows left empty are removed)."""

    def __init__(self, *args, registration: Registration, **kwargs):
        self.ceremony = registration.ceremony
        initial = {}
        for n, companion in enumerate(registration.companions.all(), start=1):
            for key in ("given_name", "surname", *IDENTITY_FIELDS):
                initial[f"companion_{n}_{key}"] = getattr(companion, key)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.registration = registration
        self.summary_labels = {}
        self._add_companion_fields()
        self.decorate()

    def clean(self):
        cleaned = super().clean()
        registration = self.registration
        registrant = Person(
            given_name=registration.given_name,
            surname=registration.surname,
            birth_date=registration.birth_date,
        )
        cleaned["companions"] = self._clean_companions(registrant=registrant)
        return cleaned
