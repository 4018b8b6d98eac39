"""What every public form of the site shares: text a person types about themselves
(composed, refused when it holds invisible or control characters), names, and the DSFR
markup of fields and of the error summary (`decorate()` gives each widget its DSFR
class and an `aria-describedby` naming its hint and its error message; the templates
are `includes/_field.html`-style partials of the app that renders the form)."""

import unicodedata
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MIN_BIRTH_DATE = date(1900, 1, 1)
# Characters nobody types in a name or a place, which reach badges, gate screens and
# screening lists: controls (C0, DEL, C1), format characters (bidirectional overrides
# and isolates, zero-width spaces and joiners, BOM, soft hyphen), private use,
# surrogates, line and paragraph separators (Unicode general categories).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Zl", "Zp"})


def validate_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise forms.ValidationError(_("The date of birth cannot be in the future."), code="future")
    if value < MIN_BIRTH_DATE:
        raise forms.ValidationError(
            _("Enter a date of birth after 1 January 1900."), code="too_old"
        )


def validate_visible_text(value: str) -> None:
    """The one check of typed identity text: no invisible or control character."""
    if any(unicodedata.category(c) in INVISIBLE_CATEGORIES for c in value):
        raise forms.ValidationError(
            _(
                "Type this field again without invisible or control characters (they can "
                "come from a copy and paste)."
            ),
            code="invisible",
        )


def validate_name(value: str) -> None:
    validate_visible_text(value)
    if not any(c.isalpha() for c in value):
        raise forms.ValidationError(_("Enter a name with letters."), code="no_letters")


class TypedTextField(forms.CharField):
    """Text a person types about themselves: composed (NFC, so that "é" typed as "e" and
    a combining accent is stored as everyone else's "é"), then checked by
    `validate_visible_text` (plus the given validators)."""

    def __init__(self, *, validators=(validate_visible_text,), **kwargs):
        super().__init__(validators=list(validators), **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


class DsfrFormMixin:
    """DSFR attributes on the widgets, and the error summary shown above the form."""

    summary_labels: dict

    def decorate(self) -> None:
        errors = self._errors or {}
        for name, field in self.fields.items():
            widget = field.widget
            if widget.is_hidden:
                continue
            if not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "fr-input")
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}-hint")
            if name in errors:
                described.append(f"{bound.auto_id}-error")
                widget.attrs["aria-invalid"] = "true"
            else:
                widget.attrs.pop("aria-invalid", None)
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
            else:
                widget.attrs.pop("aria-describedby", None)

    def full_clean(self):
        super().full_clean()
        self.decorate()

    def error_summary(self) -> list[dict]:
        """Each error once, with the id of the field it belongs to (for the summary links)."""
        items = [{"anchor": "", "text": str(e)} for e in self.non_field_errors()]
        for name in self.fields:
            if name in self.errors:
                bound = self[name]
                label = self.summary_labels.get(name, bound.label)
                for error in self.errors[name]:
                    text = _("%(label)s: %(error)s") % {"label": label, "error": error}
                    items.append({"anchor": bound.id_for_label, "text": text})
        return items


# -- the honeypot -----------------------------------------------------------------------
# A field hidden from people (CSS and aria-hidden, in each app's `_honeypot.html`) that
# bots fill in: the form is then refused with BOT_REFUSAL and nothing is written.

HONEYPOT = "homepage"
BOT_REFUSAL = _(
    "Your form could not be sent: a field that must stay empty was filled in "
    "(sometimes by the browser itself). Check your answers and send it again."
)


def honeypot_field() -> forms.CharField:
    """Declare it as `homepage = honeypot_field()`, last, in the form's body."""
    return forms.CharField(
        label=pgettext_lazy("honeypot", "Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class HoneypotMixin:
    def is_bot(self) -> bool:
        return bool((self.data.get(self.add_prefix(HONEYPOT)) or "").strip())
