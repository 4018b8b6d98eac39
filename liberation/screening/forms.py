"""The form of the screening import page (views.py)."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .services import MAX_IMPORT_BYTES


class ScreeningImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Decisions file (CSV)"),
        help_text=gettext_lazy(
            "Columns “reference” and “decision” (approved or refused); other columns are "
            "ignored, so the exported file can come back with its decision column filled in."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {"size": 5})
        return upload
