"""The journalist's forms (email, then the request) and the staff's decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liberation.core.forms import (
    DsfrFormMixin,
    HoneypotMixin,
    TypedTextField,
    honeypot_field,
    validate_birth_date,
    validate_name,
)
from liberation.events.models import RegistrationSettings

from .models import Accreditation, Pool


class StartForm(HoneypotMixin, DsfrFormMixin, forms.Form):
    summary_labels: dict = {}
    email = forms.EmailField(
        label=_("Your professional email address"),
        max_length=254,
        help_text=_("Your private link is sent to this address. Expected format: name@example.org"),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )
    homepage = honeypot_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decorate()


class RequestForm(DsfrFormMixin, forms.Form):
    """Outlet, role, press card, the editor's letter, and the identity the ceremony's
    screening asks for (the birth fields only when its registration settings ask)."""

    summary_labels: dict = {}
    outlet = TypedTextField(
        label=_("Outlet"),
        max_length=120,
        help_text=_("The newspaper, agency, channel or station you work for."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", pgettext_lazy("choice", "Choose a role")), *Accreditation.Role.choices],
        error_messages={"required": _("Choose your role.")},
    )
    press_card = TypedTextField(
        label=_("Press card number"),
        max_length=30,
        help_text=_("As printed on your press card (CCIJP or your country's card)."),
    )
    letter = forms.FileField(
        label=_("Letter from your editor"),
        help_text=_(
            "A letter asking for your accreditation, signed by your editor. PDF, JPEG or "
            "PNG, 10 MB at most."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    given_name = TypedTextField(
        label=_("Given name"),
        max_length=100,
        validators=[validate_name],
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    surname = TypedTextField(
        label=_("Surname"),
        max_length=100,
        validators=[validate_name],
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    birth_date = forms.DateField(
        label=_("Date of birth"),
        validators=[validate_birth_date],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
    )
    birth_place = TypedTextField(label=_("Place of birth"), max_length=150)
    nationality = TypedTextField(label=_("Nationality"), max_length=100)

    def __init__(self, *args, ceremony: RegistrationSettings, **kwargs):
        super().__init__(*args, **kwargs)
        for name, asked in (
            ("birth_date", ceremony.ask_birth_date),
            ("birth_place", ceremony.ask_birth_place),
            ("nationality", ceremony.ask_nationality),
        ):
            if not asked:
                del self.fields[name]
        self.fields["role"].widget.attrs["class"] = "fr-select"
        self.fields["letter"].widget.attrs["class"] = "fr-upload"
        self.decorate()
        self.fields["letter"].widget.attrs["class"] = "fr-upload"


class ApproveForm(forms.Form):
    pool = forms.ModelChoiceField(label=_("Pool"), queryset=Pool.objects.none(), required=False)

    def __init__(self, *args, press, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = press.pools.all()
        self.fields["pool"].required = press.pools.exists()


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the journalist)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
