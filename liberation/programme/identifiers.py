"""Checks of the organiser's optional identifiers (format and check digit or letter).

- SIRET (an establishment of a company or an association, INSEE): 14 digits whose
  Luhn sum is a multiple of 10. La Poste's establishments share the SIREN 356000000
  and are numbered beyond what Luhn allows: for them the sum of the digits is a
  multiple of 5 instead (INSEE's published exception).
- RNA (the national register of associations): "W" then 9 digits.
- UAI (a school, Ministry of Education): 7 digits then a check letter, the letter of
  "ABCDEFGHJKLMNPRSTUVWXYZ" (23 letters: no I, O, Q) at the number modulo 23.

Each validator takes the value as typed (spaces, dots and dashes are removed first by
`normalize`) and raises a ValidationError with a localized message and a code.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LA_POSTE_SIREN = "356000000"
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_SEPARATORS = re.compile(r"[\s.\-]+")


def normalize(value: str) -> str:
    """As typed → as stored: separators removed, letters upper-cased."""
    return _SEPARATORS.sub("", value or "").upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def siret_ok(value: str) -> bool:
    if not re.fullmatch(r"\d{14}", value):
        return False
    if luhn_ok(value):
        return True
    return value.startswith(LA_POSTE_SIREN) and sum(int(c) for c in value) % 5 == 0


def uai_letter(digits: str) -> str:
    return UAI_LETTERS[int(digits) % 23]


def validate_siret(value: str) -> None:
    value = normalize(value)
    if not re.fullmatch(r"\d{14}", value):
        raise ValidationError(
            _("A SIRET number has 14 digits, for example 732 829 320 00074."), code="format"
        )
    if not siret_ok(value):
        raise ValidationError(
            _("This SIRET number is not valid (wrong check digit): check each digit."),
            code="checksum",
        )


def validate_rna(value: str) -> None:
    value = normalize(value)
    if not re.fullmatch(r"W\d{9}", value):
        raise ValidationError(
            _("An RNA number is the letter W followed by 9 digits, for example W751234567."),
            code="format",
        )


def validate_uai(value: str) -> None:
    value = normalize(value)
    if not re.fullmatch(r"\d{7}[A-Z]", value):
        raise ValidationError(
            _("A UAI number has 7 digits and a letter, for example 0750655E."), code="format"
        )
    if uai_letter(value[:7]) != value[7]:
        raise ValidationError(
            _("This UAI number is not valid (wrong check letter): check each character."),
            code="checksum",
        )
