"""The forms of the staff pages (staff_views.py): what a staff action asks for."""

from django import forms
from django.utils.translation import gettext_lazy


class ConfirmForm(forms.Form):
    pass


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Sent as it is to every confirmed registrant, after a greeting and before the "
            "ceremony's practical details. Write it in both languages if registrants speak "
            "French and English."
        ),
    )


class DrawForm(forms.Form):
    seed = forms.CharField(
        label=gettext_lazy("Seed"),
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "Optional. The same seed over the same applications gives the same order; "
            "leave it empty for a random one. It is logged either way."
        ),
    )


class RevokeForm(forms.Form):
    cancel = forms.BooleanField(
        label=gettext_lazy("Also cancel the registration (its seats go to the waiting list)"),
        required=False,
    )
