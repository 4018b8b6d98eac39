"""The registration and companions forms: each class of bad input, and what they build."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from liberation.registrations.forms import CompanionsForm, RegistrationForm
from liberation.registrations.services import Person, RegistrationRequest, registration_create


def data(**overrides) -> dict:
    values = {
        "given_name": "Jeanne",
        "surname": "Martin",
        "email": " Jeanne.Martin@Example.org ",
        "consent": "on",
    }
    values.update(overrides)
    return values


def jeanne_with_paul(ceremony):
    """Jeanne Martin registered with one companion, Paul Martin."""
    return registration_create(
        ceremony=ceremony,
        request=RegistrationRequest(
            email="a@example.org",
            registrant=Person(given_name="Jeanne", surname="Martin"),
            companions=[Person(given_name="Paul", surname="Martin")],
        ),
    )


def test_valid_form_builds_the_service_request(make_ceremony):
    ceremony = make_ceremony(max_companions=2)
    form = RegistrationForm(
        data(companion_2_given_name="Paul", companion_2_surname="Martin"), ceremony=ceremony
    )
    assert form.is_valid(), form.errors
    request = form.to_request(language="en")
    assert request == RegistrationRequest(
        email="jeanne.martin@example.org",
        registrant=Person(given_name="Jeanne", surname="Martin"),
        companions=[Person(given_name="Paul", surname="Martin")],
        language="en",
        join_waitlist=False,
    )


def test_identity_fields_only_when_asked(make_ceremony):
    plain = RegistrationForm(ceremony=make_ceremony())
    assert not plain.has_identity_fields
    asked = RegistrationForm(
        ceremony=make_ceremony(ask_birth_date=True, ask_birth_place=True, ask_nationality=True)
    )
    assert {"birth_date", "birth_place", "nationality"} <= set(asked.fields)
    assert asked.fields["birth_date"].required
    assert asked.fields["companion_1_birth_date"].required is False  # checked per filled row
    assert asked.fields["birth_date"].widget.attrs["autocomplete"] == "bday"


def test_autocomplete_on_the_registrant_not_on_companions(make_ceremony):
    form = RegistrationForm(ceremony=make_ceremony(max_companions=1))
    assert form.fields["given_name"].widget.attrs["autocomplete"] == "given-name"
    assert form.fields["surname"].widget.attrs["autocomplete"] == "family-name"
    assert form.fields["email"].widget.attrs["autocomplete"] == "email"
    assert form.fields["companion_1_given_name"].widget.attrs["autocomplete"] == "off"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.org", "a b@example.org"])
def test_malformed_email(make_ceremony, email):
    form = RegistrationForm(data(email=email), ceremony=make_ceremony())
    assert not form.is_valid()
    assert "email" in form.errors


@pytest.mark.parametrize(
    "birth_date, code",
    [
        ((timezone.localdate() + dt.timedelta(days=1)).isoformat(), "future"),
        ("1899-12-31", "too_old"),
        ("1066-10-14", "too_old"),
        ("31/02/1950", "invalid"),
    ],
)
def test_bad_birth_dates(make_ceremony, birth_date, code):
    form = RegistrationForm(
        data(birth_date=birth_date), ceremony=make_ceremony(ask_birth_date=True)
    )
    assert not form.is_valid()
    assert form.has_error("birth_date", code)


def test_birth_date_typed_day_first_is_accepted(make_ceremony):
    form = RegistrationForm(
        data(birth_date="08/05/1950"), ceremony=make_ceremony(ask_birth_date=True)
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_date"] == dt.date(1950, 5, 8)


def test_missing_consent(make_ceremony):
    values = data()
    del values["consent"]
    form = RegistrationForm(values, ceremony=make_ceremony())
    assert not form.is_valid()
    assert form.has_error("consent", "required")


@pytest.mark.parametrize("name", ["", "   ", "1234", "--"])
def test_names_need_letters(make_ceremony, name):
    form = RegistrationForm(data(surname=name), ceremony=make_ceremony())
    assert not form.is_valid()
    assert "surname" in form.errors


def test_incomplete_companion_row_is_refused(make_ceremony):
    ceremony = make_ceremony(max_companions=1, ask_birth_date=True)
    form = RegistrationForm(
        data(birth_date="1950-05-08", companion_1_given_name="Paul", companion_1_surname="Martin"),
        ceremony=ceremony,
    )
    assert not form.is_valid()
    assert form.has_error("companion_1_birth_date", "incomplete_companion")


def test_companion_rows_beyond_the_limit_are_refused_not_dropped(make_ceremony):
    form = RegistrationForm(
        data(companion_2_given_name="Paul", companion_2_surname="Martin"),
        ceremony=make_ceremony(max_companions=1),
    )
    assert not form.is_valid()
    assert form.has_error("__all__", "too_many_companions")


def test_honeypot(make_ceremony):
    ceremony = make_ceremony()
    assert not RegistrationForm(data(), ceremony=ceremony).is_bot()
    assert RegistrationForm(data(homepage="http://spam.example"), ceremony=ceremony).is_bot()


def test_errors_are_linked_to_their_fields(make_ceremony):
    form = RegistrationForm(data(email="nope"), ceremony=make_ceremony())
    assert not form.is_valid()
    attrs = form.fields["email"].widget.attrs
    assert attrs["aria-invalid"] == "true"
    assert attrs["aria-describedby"] == "id_email-hint id_email-error"
    assert "aria-invalid" not in form.fields["surname"].widget.attrs
    summary = form.error_summary()
    assert [item["anchor"] for item in summary] == ["id_email"]


def test_companions_form_starts_from_the_stored_companions(make_ceremony):
    ceremony = make_ceremony(max_companions=2)
    created = jeanne_with_paul(ceremony)
    form = CompanionsForm(registration=created.registration)
    assert form["companion_1_given_name"].value() == "Paul"
    assert form["companion_2_given_name"].value() in (None, "")
    emptied = CompanionsForm({}, registration=created.registration)
    assert emptied.is_valid()
    assert emptied.cleaned_data["companions"] == []


# --- The same person twice ----------------------------------------------------------


TWO_ROWS = {  # the second row repeats the first (case and spaces do not count)
    "companion_1_given_name": "Paul",
    "companion_1_surname": "Martin",
    "companion_2_given_name": "paul ",
    "companion_2_surname": "MARTIN",
}
REGISTRANT_AGAIN = {  # the registrant listed as a companion (nor do accents)
    "given_name": "Hélène",
    "surname": "Lefèvre",
    "companion_1_given_name": "HELENE",
    "companion_1_surname": "  lefevre",
}


@pytest.mark.parametrize(
    "values, field, code, language, message",
    [
        (TWO_ROWS, "companion_2_given_name", "duplicate_companion", "en",
         "Companion 2 is the same person as companion 1."),
        (TWO_ROWS, "companion_2_given_name", "duplicate_companion", "fr",
         "L’accompagnant 2 est la même personne que l’accompagnant 1."),
        (REGISTRANT_AGAIN, "companion_1_given_name", "companion_is_registrant", "en",
         "Companion 1 is the same person as the registrant."),
        (REGISTRANT_AGAIN, "companion_1_given_name", "companion_is_registrant", "fr",
         "L’accompagnant 1 est la même personne que la personne inscrite."),
    ],
)  # fmt: skip
def test_the_same_person_twice_is_refused_on_the_repeated_row(
    make_ceremony, values, field, code, language, message
):
    with translation.override(language):
        form = RegistrationForm(data(**values), ceremony=make_ceremony(max_companions=2))
        assert not form.is_valid()
        assert form.has_error(field, code)
        assert form.errors[field] == [message]
        assert any(message in item["text"] for item in form.error_summary())
    assert set(form.errors) == {field}  # the first occurrence is not the one in error
    assert form.fields[field].widget.attrs["aria-invalid"] == "true"


def test_same_names_with_other_birth_dates_are_two_people(make_ceremony):
    """When birth dates are asked, a father and his son may share their names."""
    ceremony = make_ceremony(max_companions=2, ask_birth_date=True)
    values = data(
        given_name="Paul",
        birth_date="1950-05-08",
        companion_1_given_name="Paul",
        companion_1_surname="Martin",
        companion_1_birth_date="1980-01-01",
        companion_2_given_name="Paul",
        companion_2_surname="Martin",
        companion_2_birth_date="2010-01-01",
    )
    form = RegistrationForm(values, ceremony=ceremony)
    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["companions"]) == 2

    values["companion_2_birth_date"] = "01/01/1980"  # the same date, typed otherwise
    form = RegistrationForm(values, ceremony=ceremony)
    assert not form.is_valid()
    assert form.has_error("companion_2_given_name", "duplicate_companion")

    values["companion_2_birth_date"] = "1950-05-08"  # the registrant's date
    form = RegistrationForm(values, ceremony=ceremony)
    assert not form.is_valid()
    assert form.has_error("companion_2_given_name", "companion_is_registrant")


def test_a_third_row_repeating_the_first_names_the_first(make_ceremony):
    values = data(
        companion_1_given_name="Paul",
        companion_1_surname="Martin",
        companion_2_given_name="Marie",
        companion_2_surname="Martin",
        companion_3_given_name="Paul",
        companion_3_surname="Martin",
    )
    with translation.override("en"):
        form = RegistrationForm(values, ceremony=make_ceremony(max_companions=3))
        assert not form.is_valid()
        assert form.errors["companion_3_given_name"] == [
            "Companion 3 is the same person as companion 1."
        ]
    assert set(form.errors) == {"companion_3_given_name"}


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "Companion 2 is the same person as the registrant."),
        ("fr", "L’accompagnant 2 est la même personne que la personne inscrite."),
    ],
)
def test_companions_form_refuses_the_registrant_and_repeated_rows(make_ceremony, language, message):
    ceremony = make_ceremony(max_companions=3)
    created = jeanne_with_paul(ceremony)
    with translation.override(language):
        form = CompanionsForm(
            {
                "companion_1_given_name": "Paul",
                "companion_1_surname": "Martin",
                "companion_2_given_name": "Jéanne",
                "companion_2_surname": "martin",
                "companion_3_given_name": "PAUL",
                "companion_3_surname": "Martin",
            },
            registration=created.registration,
        )
        assert not form.is_valid()
        assert form.errors["companion_2_given_name"] == [message]
        assert form.has_error("companion_3_given_name", "duplicate_companion")

    fine = CompanionsForm(
        {"companion_1_given_name": "Paul", "companion_1_surname": "Martin"},
        registration=created.registration,
    )
    assert fine.is_valid(), fine.errors


# --- Invisible and control characters in names (issue 10, item 9) ---------------------


INVISIBLE = {
    "DEL": "\x7f",
    "C1 NEL": "\x85",
    "C1 last": "\x9f",
    "NUL": "\x00",
    "tab": "\t",
    "bidi LRE": "\u202a",
    "bidi RLO": "\u202e",
    "bidi LRI": "\u2066",
    "bidi PDI": "\u2069",
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "BOM": "\ufeff",
    "soft hyphen": "\u00ad",
    "private use": "\ue000",
    "surrogate": "\ud800",
    "line separator": "\u2028",
    "paragraph separator": "\u2029",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize("field", ["given_name", "surname", "companion_1_given_name"])
def test_names_refuse_invisible_and_control_characters(make_ceremony, field, char):
    values = data(companion_1_given_name="Paul", companion_1_surname="Martin")
    values[field] = f"Jea{char}nne"
    form = RegistrationForm(values, ceremony=make_ceremony(max_companions=1))
    assert not form.is_valid()
    assert form.has_error(field, "invisible")


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "Type this field again without invisible or control characters (they can "
         "come from a copy and paste)."),
        ("fr", "Saisissez ce champ sans caractère invisible ni caractère de contrôle (ils "
         "peuvent venir d’un copier-coller)."),
    ],
)  # fmt: skip
def test_the_invisible_character_message(make_ceremony, language, message):
    with translation.override(language):
        form = RegistrationForm(data(surname="Mar\u202etin"), ceremony=make_ceremony())
        assert form.errors["surname"] == [message]


@pytest.mark.parametrize(
    "name",
    [
        "Jean-Pierre", "N’Diaye", "O'Brien", "Hélène", "Zoë", "Łukasz", "Øyvind", "Иван",
        "محمد", "李小龍", "Nguyễn Văn An", "Mary Ann", "Ngũgĩ wa Thiong’o", "ʻIolani",
    ],
)  # fmt: skip
def test_legitimate_names_are_kept(make_ceremony, name):
    form = RegistrationForm(
        data(surname=name, companion_1_given_name=name, companion_1_surname="Martin"),
        ceremony=make_ceremony(max_companions=1),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["surname"] == name


def test_names_are_stored_composed(make_ceremony):
    """A name typed decomposed (e + combining accent, as some keyboards send it) is
    stored composed (NFC): the same letters, the same bytes as everyone else's."""
    form = RegistrationForm(
        data(given_name="He\u0301le\u0300ne", surname="Lefe\u0300vre"), ceremony=make_ceremony()
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["given_name"] == "Hélène"
    assert form.cleaned_data["surname"] == "Lefèvre"


def test_identity_text_fields_refuse_invisible_characters_too(make_ceremony):
    ceremony = make_ceremony(ask_birth_place=True, ask_nationality=True)
    form = RegistrationForm(
        data(birth_place="Caen\u200b", nationality="fran\u202eçaise"), ceremony=ceremony
    )
    assert not form.is_valid()
    assert form.has_error("birth_place", "invisible")
    assert form.has_error("nationality", "invisible")


def test_companions_form_refuses_invisible_characters(make_ceremony):
    created = jeanne_with_paul(make_ceremony(max_companions=2))
    form = CompanionsForm(
        {"companion_1_given_name": "Pa\u200bul", "companion_1_surname": "Martin\x7f"},
        registration=created.registration,
    )
    assert not form.is_valid()
    assert form.has_error("companion_1_given_name", "invisible")
    assert form.has_error("companion_1_surname", "invisible")
