"""The organiser's forms: start, one form per step of the application, the sessions
formset, consent, a file, and the labelled event's update.

Each step's form is validated in full, but saved in part: `valid_values` keeps the
fields without errors (the budget and the funding request only together, since the
database ties them), and the bound form shows every typed value again with its
message. Nothing typed is lost to an error in another field.
"""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liberation.content.models import Theme
from liberation.core.forms import DsfrFormMixin, HoneypotMixin, TypedTextField, honeypot_field
from liberation.places.forms import CommuneField

from . import identifiers
from .models import Campaign, Project
from .services import (
    FUNDING_SHARE,
    MAX_SESSIONS,
    REQUIRED,
    campaigns_open,
    session_problem,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# Fields that are saved together or not at all (the funding check constraint).
TOGETHER = (frozenset({"budget", "funding_requested"}),)


class StepForm(DsfrFormMixin, forms.ModelForm):
    summary_labels: dict = {}

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            # Optional to save, needed to send: marked with the asterisk.
            field.needed = name in REQUIRED
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "fr-select")
        self.decorate()

    def _post_clean(self):
        # The instance is the stored project: never touched by a form (the service
        # saves the valid values under a lock); constraints are checked in `clean`.
        pass

    def valid_values(self) -> dict:
        cleaned = getattr(self, "cleaned_data", {})
        names = {n for n in self.fields if n in cleaned and n not in self.errors}
        for group in TOGETHER:
            if group & set(self.errors) or (group & set(self.fields) and self.non_field_errors()):
                names -= group
        return {n: cleaned[n] for n in self.fields if n in names}


class OrganiserForm(StepForm):
    class Meta:
        model = Project
        fields = [
            "organiser_type",
            "organiser_name",
            "siret",
            "rna",
            "uai",
            "contact_name",
            "contact_phone",
        ]
        field_classes = {
            "organiser_name": TypedTextField,
            "contact_name": TypedTextField,
            "contact_phone": TypedTextField,
        }
        help_texts = {
            "siret": _("Optional. 14 digits, for example 732 829 320 00074."),
            "rna": _("Optional, for an association: W followed by 9 digits."),
            "uai": _("Optional, for a school: 7 digits and a letter, for example 0750655E."),
        }
        widgets = {
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def _identifier(self, name, validator, length):
        value = identifiers.normalize(self.cleaned_data.get(name, ""))
        if value:
            validator(value)
        return value[:length]

    def clean_siret(self):
        return self._identifier("siret", identifiers.validate_siret, 14)

    def clean_rna(self):
        return self._identifier("rna", identifiers.validate_rna, 10)

    def clean_uai(self):
        return self._identifier("uai", identifiers.validate_uai, 8)


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectForm(StepForm):
    class Meta:
        model = Project
        fields = ["title", "description", "theme", "kind"]
        field_classes = {"title": TypedTextField, "theme": ThemeChoiceField}
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.all()
        self.fields["description"].widget.attrs["class"] = "fr-input"


class DatesForm(StepForm):
    # The referential's field (places): an INSEE code, "Caen (14)" or a unique name, with
    # an ARIA combobox when JavaScript runs.
    commune = CommuneField(required=False)

    class Meta:
        model = Project
        fields = ["venue", "commune"]
        field_classes = {"venue": TypedTextField}
        help_texts = {
            "venue": _("The name and address of the place, for example “Salle des fêtes, 2 rue…”."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.commune_id and not self.is_bound:
            self.initial["commune"] = self.instance.commune_id

    def clean_commune(self):
        commune = self.cleaned_data.get("commune")
        if commune is not None and self.campaign is not None:
            scope = list(self.campaign.departements.all())
            if scope and commune.departement_id not in {d.code for d in scope}:
                raise forms.ValidationError(
                    _("This campaign is open only in: %(list)s.")
                    % {"list": ", ".join(f"{d.name} ({d.code})" for d in scope)},
                    code="scope",
                )
        return commune


class SessionForm(DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        self.campaign = campaign
        super().__init__(*args, **kwargs)
        self.decorate()

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends:
            problem = session_problem(self.campaign, starts, ends)
            if problem:
                self.add_error("ends_at", problem)
        return cleaned


class BaseSessionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove this session")

    def rows(self):
        """(rows to save, ids of stored sessions to keep untouched as they are), or None
        when the formset itself is broken (its management data missing or tampered
        with): then no session is touched."""
        from .services import SessionRow

        if not self.management_form.is_valid():
            return None
        rows, keep = [], set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            raw_id = form["id"].value()
            pk = int(raw_id) if str(raw_id or "").isdigit() else None
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.errors:
                if pk:
                    keep.add(pk)
                continue
            if data.get("starts_at") and data.get("ends_at"):
                rows.append(SessionRow(pk=pk, starts_at=data["starts_at"], ends_at=data["ends_at"]))
        return rows, keep


SessionFormSet = forms.formset_factory(
    SessionForm,
    formset=BaseSessionFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_SESSIONS,
    absolute_max=MAX_SESSIONS,
    validate_max=True,
)


def session_initial(project: Project) -> list[dict]:
    return [
        {
            "id": s.pk,
            "starts_at": timezone.localtime(s.starts_at),
            "ends_at": timezone.localtime(s.ends_at),
        }
        for s in project.sessions.all()
    ]


class AudienceForm(StepForm):
    registration_url = forms.URLField(
        label=_("public registration link"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Project
        fields = [
            "audience",
            "wheelchair",
            "sign_language",
            "audio_description",
            "easy_to_read",
            "free",
            "registration_url",
            "expected_attendance",
        ]
        help_texts = {"registration_url": _("Optional. An address starting with https://")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_attendance"].validators.append(MaxValueValidator(10_000_000))


class BudgetForm(StepForm):
    class Meta:
        model = Project
        fields = ["budget", "funding_requested"]
        # "1 000,50" in French, "1,000.50" in English.
        localized_fields = ["budget", "funding_requested"]
        help_texts = {
            "budget": _("Optional. The project's whole budget, in euros."),
            "funding_requested": _("Optional. At most 25 % of the budget."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("budget", "funding_requested"):
            self.fields[name].validators.append(MinValueValidator(0))
            self.fields[name].widget.attrs["inputmode"] = "decimal"

    def clean(self):
        cleaned = super().clean()
        budget, funding = cleaned.get("budget"), cleaned.get("funding_requested")
        if "budget" in self.errors or "funding_requested" in self.errors:
            return cleaned
        if funding is not None and budget is None:
            self.add_error("budget", _("Give the budget to request funding."))
        elif funding is not None and funding > budget * FUNDING_SHARE:
            self.add_error(
                "funding_requested",
                _("The funding requested can be at most 25 %% of the budget, here %(max)s €.")
                % {"max": (budget * FUNDING_SHARE).quantize(budget.__class__("0.01"))},
            )
        return cleaned


class ConsentForm(DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    consent = forms.BooleanField(
        label=_(
            "I certify that this information is accurate and I agree that it is processed "
            "to review the application and, if labelled, published on the Mission's agenda"
        ),
        error_messages={"required": _("Tick this box to send the application.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decorate()


class StartForm(HoneypotMixin, DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.none(),
        empty_label=pgettext_lazy("choice", "Choose a campaign"),
        error_messages={
            "required": _("Choose a campaign."),
            "invalid_choice": _("This campaign is not open for applications. Choose another one."),
        },
    )
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("Your private link is sent to this address. Expected format: name@example.org"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    homepage = honeypot_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_open()
        self.decorate()


class LinkAgainForm(HoneypotMixin, DsfrFormMixin, forms.Form):
    """The address an organiser applied with, to receive their links again."""

    summary_labels: dict = {}
    email = forms.EmailField(
        label=_("The email address you applied with"),
        max_length=254,
        help_text=_("Expected format: name@example.org"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    homepage = honeypot_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decorate()


class FileForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB; at most 5 files."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
        error_messages={"required": _("Choose a file to add.")},
    )


class StatusForm(DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    status = forms.ChoiceField(label=_("Event status"), choices=Project.Status.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "fr-select"
        self.decorate()


STEPS = {
    "organiser": (_("Organiser"), OrganiserForm),
    "project": (_("Project"), ProjectForm),
    "dates": (_("Dates and place"), DatesForm),
    "audience": (_("Audience and accessibility"), AudienceForm),
    "budget": (_("Budget and files"), BudgetForm),
}
STEP_NAMES = [*STEPS, "submit"]
