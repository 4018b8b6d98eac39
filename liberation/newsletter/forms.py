"""The subscription form: an email address only, a language, topics, and for the agenda
topic a département. A hidden honeypot field catches bots (no third-party CAPTCHA).
The preferences form (from the link of every message) is the same choices without
the address."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liberation.core.forms import DsfrFormMixin, HoneypotMixin, honeypot_field
from liberation.places.models import Departement

from .models import Topic


class ChoicesForm(DsfrFormMixin, forms.Form):
    """Language, topics (at least one) and, for the agenda, the département."""

    summary_labels: dict = {}
    language = forms.ChoiceField(
        label=_("Language of the newsletter"),
        choices=[("fr", "Français"), ("en", "English")],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a language.")},
    )
    ceremonies = forms.BooleanField(label=Topic.CEREMONIES.label, required=False)
    agenda = forms.BooleanField(
        label=Topic.AGENDA.label,
        required=False,
        help_text=_("A weekly digest of the labelled events of the département chosen below."),
    )
    dossiers = forms.BooleanField(label=Topic.DOSSIERS.label, required=False)
    departement = forms.ModelChoiceField(
        label=_("My département"),
        queryset=Departement.objects.all(),
        required=False,
        empty_label=pgettext_lazy("choice", "Choose a département"),
        help_text=_("Needed for the agenda of my département."),
        error_messages={"invalid_choice": _("Choose a département from the list.")},
    )

    def __init__(self, *args, language: str = "fr", **kwargs):
        kwargs.setdefault("initial", {"language": language})
        super().__init__(*args, **kwargs)
        self.fields["departement"].widget.attrs["class"] = "fr-select"
        self.decorate()

    def clean(self):
        cleaned = super().clean()
        topics = self.topics()
        if not topics and not self.has_error("email"):  # SubscribeForm's address first
            self.add_error(None, _("Choose at least one topic."))
        agenda = Topic.AGENDA in topics
        if agenda and not cleaned.get("departement") and not self.has_error("departement"):
            self.add_error("departement", _("Choose your département to receive its agenda."))
        return cleaned

    def topics(self) -> frozenset[str]:
        cleaned = getattr(self, "cleaned_data", {})
        return frozenset(topic for topic in Topic.values if cleaned.get(topic))


class SubscribeForm(HoneypotMixin, ChoicesForm):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("Expected format: name@example.org"),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address in the format name@example.org."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    homepage = honeypot_field()

    field_order = ["email", "language", "ceremonies", "agenda", "dossiers", "departement"]
