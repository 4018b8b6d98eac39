"""The reviewers' forms: list filters, assignment, private note, decision, opinion.

They parse and check the shape of the input; the rules (scope, states, national
decision) are checked again by review_services under the row lock.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Project
from .review_selectors import (
    DASHBOARD_STATES,
    campaigns_for,
    departements_for,
    reviewers_for,
)
from .review_services import REASON_REQUIRED

State = Project.State


class ProjectFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=None, required=False, empty_label=_("All")
    )
    departement = forms.ModelChoiceField(
        label=_("Département"), queryset=None, required=False, empty_label=_("All")
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Words of the title, the organiser, the commune, or the reference"),
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns_for(user)
        self.fields["departement"].queryset = departements_for(user)
        labels = dict(State.choices)
        self.fields["state"].choices = [("", _("All"))] + [
            (state, labels[state]) for state in DASHBOARD_STATES
        ]


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(label=_("Reviewer"), queryset=None)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers_for(project=project)
        self.fields["reviewer"].label_from_instance = lambda user: (
            user.get_full_name() or user.get_username()
        )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Private note"),
        help_text=_("Seen only by reviewers, never by the organiser."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (State.LABELLED, _("Label the project")),
            (State.CHANGES_REQUESTED, _("Request changes")),
            (State.REFUSED, _("Refuse")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Sent to the organiser. Required to refuse or to request changes."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    expected_state = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("decision") in REASON_REQUIRED and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give a reason: the organiser will read it."))
        return data


class OpinionForm(forms.Form):
    opinion = forms.ChoiceField(
        label=_("Opinion of the département"),
        widget=forms.RadioSelect,
        choices=[("favourable", _("Favourable")), ("unfavourable", _("Unfavourable"))],
    )
    reason = forms.CharField(
        label=_("Reasons"),
        help_text=_("Read by the national staff who decide."),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    expected_state = forms.CharField(widget=forms.HiddenInput)
