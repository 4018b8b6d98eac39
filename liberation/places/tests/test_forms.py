import pytest
from django import forms
from django.utils import translation

from liberation.places.factories import communes_sample
from liberation.places.forms import CommuneField

pytestmark = pytest.mark.django_db


class Form(forms.Form):
    commune = CommuneField()


class OptionalForm(forms.Form):
    commune = CommuneField(required=False)


@pytest.fixture(autouse=True)
def sample():
    return communes_sample()


@pytest.mark.parametrize(
    "typed,insee",
    [
        ("14118", "14118"),
        (" 14047 ", "14047"),
        ("Caen (14)", "14118"),
        ("bayeux", "14047"),
        ("Saint-Martin-de-Belleville (73)", "73265"),
    ],
)
def test_accepts_code_label_or_unique_name(typed, insee):
    form = Form({"commune": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["commune"].insee == insee


@pytest.mark.parametrize("lang,word", [("en", "Unknown commune"), ("fr", "Commune inconnue")])
def test_unknown_code_is_a_clear_error(lang, word):
    with translation.override(lang):
        form = Form({"commune": "99999"})
        assert not form.is_valid()
        assert word in form.errors["commune"][0]
        assert "99999" in form.errors["commune"][0]


def test_ambiguous_name_lists_the_choices():
    from liberation.places.models import Commune

    Commune.objects.create(insee="14999", name="Bayeux", search_name="bayeux", departement_id="14")
    form = Form({"commune": "Bayeux"})
    assert not form.is_valid()
    assert "14047" in form.errors["commune"][0] and "14999" in form.errors["commune"][0]


def test_optional_and_required():
    assert OptionalForm({"commune": ""}).is_valid()
    assert not Form({"commune": ""}).is_valid()


def test_widget_markup_is_a_plain_input_with_the_label():
    html = str(Form(initial={"commune": "73265"})["commune"])
    assert 'type="text"' in html and 'value="73265"' in html
    assert "data-commune-autocomplete" in html and 'data-url="/api/communes/"' in html
    assert 'data-label="Saint-Martin-de-Belleville (73)"' in html
    assert "places/commune-autocomplete.js" in str(Form().media)
