"""`CommuneField`: a commune chosen by its INSEE code, with an autocomplete widget.

Without JavaScript the widget is a plain text input: the person types an INSEE code
("14118"), the label the autocomplete shows ("Caen (14)") or a name that only one
commune bears ("Bayeux"). With JavaScript, places/commune-autocomplete.js turns the
input into an ARIA combobox fed by GET /api/communes/?q= and posts the INSEE code.
`cleaned_data[...]` is the `Commune`.
"""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import Commune
from .selectors import commune_by_code, commune_from_text, commune_label


class CommuneInput(forms.TextInput):
    """A text input that commune-autocomplete.js enhances (progressive enhancement)."""

    class Media:
        js = ["places/commune-autocomplete.js"]
        css = {"all": ["places/commune-autocomplete.css"]}

    def __init__(self, attrs=None):
        base = {"autocomplete": "off", "spellcheck": "false", "data-commune-autocomplete": ""}
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["data-url"] = reverse("api_communes")
        widget_attrs["data-label-empty"] = str(_("No commune found"))
        widget_attrs["data-label-count"] = str(_("%(count)s communes found"))
        widget_attrs["data-label-one"] = str(_("1 commune found"))
        commune = value if isinstance(value, Commune) else None
        if commune is None and isinstance(value, str):
            commune = commune_by_code(value)
        if commune is not None:
            # Show the label; the script posts the code kept in data-insee.
            context["widget"]["value"] = commune.insee
            widget_attrs["data-insee"] = commune.insee
            widget_attrs["data-label"] = commune_label(
                name=commune.name, departement=commune.departement_id
            )
        return context

    def format_value(self, value):
        if isinstance(value, Commune):
            return value.insee
        return super().format_value(value)


class CommuneField(forms.Field):
    widget = CommuneInput
    default_error_messages = {
        "unknown": _(
            "Unknown commune “%(value)s”: enter its INSEE code (5 characters, e.g. 14118 "
            "for Caen) or choose it from the list."
        ),
        "ambiguous": _(
            "Several communes are named “%(value)s” (%(choices)s): choose one from the "
            "list or enter its INSEE code."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Commune"))
        kwargs.setdefault(
            "help_text", _("Name, postal code or INSEE code, e.g. “Bayeux” or “14047”.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return value.insee
        return value

    def to_python(self, value) -> Commune | None:
        if isinstance(value, Commune):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        text = str(value).strip()[:160]
        commune, candidates = commune_from_text(text)
        if commune is not None:
            return commune
        if candidates:
            choices = ", ".join(
                f"{commune_label(name=c.name, departement=c.departement_id)} {c.insee}"
                for c in candidates[:5]
            )
            raise forms.ValidationError(
                self.error_messages["ambiguous"],
                code="ambiguous",
                params={"value": text, "choices": choices},
            )
        raise forms.ValidationError(
            self.error_messages["unknown"], code="unknown", params={"value": text}
        )
