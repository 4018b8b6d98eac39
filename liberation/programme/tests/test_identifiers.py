import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from liberation.programme.identifiers import (
    normalize,
    validate_rna,
    validate_siret,
    validate_uai,
)

GOOD_SIRET = [
    "73282932000074",  # a real one (Luhn)
    "732 829 320 00074",  # as printed
    "35600000000048",  # La Poste's head office (Luhn)
    "35600000049837",
]
BAD_SIRET = [
    ("73282932000075", "checksum"),
    ("35600000049838", "checksum"),
    ("7328293200007", "format"),
    ("732829320000744", "format"),
    ("7328293200007A", "format"),
    ("", "format"),
]


@pytest.mark.parametrize("value", GOOD_SIRET)
def test_good_siret(value):
    validate_siret(value)


@pytest.mark.parametrize(("value", "code"), BAD_SIRET)
def test_bad_siret(value, code):
    with pytest.raises(ValidationError) as error:
        validate_siret(value)
    assert error.value.code == code


@pytest.mark.parametrize("value", ["W751234567", "w 751 234 567", "W000000001"])
def test_good_rna(value):
    validate_rna(value)


@pytest.mark.parametrize(
    "value", ["751234567", "W75123456", "W7512345678", "X751234567", "WA51234567"]
)
def test_bad_rna(value):
    with pytest.raises(ValidationError):
        validate_rna(value)


@pytest.mark.parametrize("value", ["0750655E", "0750655e", "0141164P", "0000000A"])
def test_good_uai(value):
    validate_uai(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0750655F", "checksum"),
        ("075065E", "format"),
        ("07506551", "format"),
        ("0750655I", "checksum"),
    ],
)
def test_bad_uai(value, code):
    with pytest.raises(ValidationError) as error:
        validate_uai(value)
    assert error.value.code == code


def test_normalize():
    assert normalize(" 732.829-320 00074 ") == "73282932000074"


@pytest.mark.parametrize(("language", "word"), [("fr", "chiffre"), ("en", "digit")])
def test_messages_are_localized(language, word):
    with translation.override(language):
        with pytest.raises(ValidationError) as error:
            validate_siret("73282932000075")
        assert word in str(error.value.messages[0])
