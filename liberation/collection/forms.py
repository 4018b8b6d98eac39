"""The contributor's forms: start (email and honeypot), the story, the rights, one item,
and the moderators' rejection reason and captions.

A form with errors comes back with every typed value in it; the story and rights forms
save their valid fields only (nothing typed is lost to an error in another field).
"""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liberation.core.forms import DsfrFormMixin, HoneypotMixin, TypedTextField, honeypot_field
from liberation.places.forms import CommuneField

from .items import MAX_ITEMS, MAX_SIZE, media_max_seconds, media_max_size
from .models import Story

ACCEPT = (
    ".jpg,.jpeg,.png,.tif,.tiff,.pdf,image/jpeg,image/png,image/tiff,application/pdf,"
    ".mp4,.m4a,.m4v,.mov,.webm,.mkv,.ogg,.oga,.opus,.mp3,.wav,.flac,audio/*,video/*"
)


class IsoDateInput(forms.DateInput):
    """`<input type="date">`: its value must be an ISO date, so a typed value that is not
    one (from a client without a date picker) is not echoed back (invalid HTML)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        value = super().format_value(value)
        if isinstance(value, str):
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                return None
        return value


class StartForm(HoneypotMixin, DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("Your private link is sent to this address. Expected format: name@example.org"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    homepage = honeypot_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decorate()


class PartForm(DsfrFormMixin, forms.ModelForm):
    """A part of the story, validated in full, saved in part (`valid_values`)."""

    summary_labels: dict = {}
    needed: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.needed = name in self.needed
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "fr-select")
        self.decorate()

    def _post_clean(self):
        # The stored story is never touched by a form: the service saves under a lock.
        pass

    def valid_values(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        return {n: cleaned[n] for n in self.fields if n in cleaned and n not in self.errors}


class StoryForm(PartForm):
    needed = ("title", "summary", "date_from", "commune", "language")
    commune = CommuneField(required=False)
    language = forms.ChoiceField(
        label=_("Language of the story"),
        choices=[("", pgettext_lazy("choice", "Choose a language"))] + Story.Language.choices,
        required=False,
        error_messages={
            "invalid_choice": _("A story is told in French or in English: choose one of them.")
        },
        help_text=_("Your story is published in this language."),
    )

    class Meta:
        model = Story
        fields = [
            "title",
            "summary",
            "people",
            "date_from",
            "date_until",
            "commune",
            "language",
            "keywords",
            "on_behalf_of",
        ]
        field_classes = {"title": TypedTextField, "people": TypedTextField}
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 8}),
            "date_from": IsoDateInput,
            "date_until": IsoDateInput,
        }
        help_texts = {
            "people": _("The people shown in the documents, or who speak in the testimony."),
            "date_from": _("The day of the events, or the first day of the period."),
            "date_until": _("Optional: for a period, its last day."),
            "keywords": _("Separated by commas, e.g. “Resistance, bombing, school”."),
            "on_behalf_of": _(
                "Optional: a family, an association… on whose behalf you contribute."
            ),
        }

    def clean_language(self):
        value = self.cleaned_data.get("language", "")
        if value not in ("", "fr", "en"):
            raise forms.ValidationError(self.fields["language"].error_messages["invalid_choice"])
        return value

    def clean_keywords(self):
        words = [w.strip() for w in self.cleaned_data.get("keywords", "").split(",")]
        return ", ".join(w for w in words if w)[:300]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_until")
        if end and not start:
            self.add_error("date_from", _("Give the first day of the period too."))
        elif start and end and end < start:
            self.add_error("date_until", _("The period must end after it starts."))
        return cleaned


class RightsForm(PartForm):
    needed = ("attribution", "rights_declared", "licence", "living_people", "originals")

    class Meta:
        model = Story
        fields = [
            "attribution",
            "contributor_name",
            "pseudonym",
            "rights_declared",
            "licence",
            "living_people",
            "originals",
        ]
        field_classes = {"contributor_name": TypedTextField, "pseudonym": TypedTextField}
        widgets = {
            "attribution": forms.RadioSelect,
            "licence": forms.RadioSelect,
            "living_people": forms.RadioSelect,
            "originals": forms.RadioSelect,
            "contributor_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }
        labels = {
            "rights_declared": _(
                "I declare that I hold the rights to these documents and testimony, or that "
                "I am authorised by whoever holds them, to publish them under the licence I "
                "choose."
            ),
        }
        help_texts = {
            "contributor_name": _("Shown only if you choose to appear under your name."),
            "pseudonym": _("Shown only if you choose to appear under a pseudonym."),
            "licence": _(
                "Creative Commons licences let anyone reuse the documents with credit; "
                "“consultation only” lets people see them on this site only."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("attribution", "licence", "living_people", "originals"):
            field = self.fields[name]
            field.choices = [c for c in field.choices if c[0]]  # no empty radio
            field.required = False


class ItemForm(DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    file = forms.FileField(
        label=_("Photograph, scan or recording"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose a file to add.")},
    )
    caption = TypedTextField(
        label=_("Caption"),
        max_length=500,
        help_text=_("What the document shows: it is also read aloud to blind visitors."),
        error_messages={"required": _("Write a caption for this file.")},
    )
    date = TypedTextField(
        label=_("Date of the document"),
        max_length=60,
        required=False,
        help_text=_("As precise as you know it, e.g. “25 August 1944” or “summer 1944”."),
    )
    transcript = forms.CharField(
        label=_("Transcript (for a recording)"),
        max_length=50_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What is said in the recording, and for a video what is seen when it matters. "
            "A recording is published only with its transcript (for deaf and hard of "
            "hearing visitors); if you cannot write it, the historians may."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language (not once, at import).
        self.fields["file"].help_text = _(
            "JPEG, PNG, TIFF or PDF, at most %(size)s MB; a recording (MP4, M4A, MOV, "
            "WebM, MKV, Ogg, MP3, WAV, FLAC), at most %(media)s MB and %(minutes)s "
            "minutes; at most %(count)s files."
        ) % {
            "size": MAX_SIZE // 1024 // 1024,
            "media": media_max_size() // 1024 // 1024,
            "minutes": media_max_seconds() // 60,
            "count": MAX_ITEMS,
        }
        self.fields["file"].widget.attrs["class"] = "fr-upload"
        self.decorate()
        self.fields["file"].widget.attrs["class"] = "fr-upload"


class RejectForm(DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    reason = forms.CharField(
        label=_("Reason (sent to the contributor)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason: it is sent to the contributor.")},
    )
