"""The form renderer (core/form_renderer.py): plain inputs written in Python, character
for character what Django's templates write."""

import datetime
from unittest import mock

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, pgettext_lazy
from hypothesis import given, settings
from hypothesis import strategies as st

from liberation.core import form_renderer
from liberation.core.form_renderer import INPUT_WIDGETS, Renderer

WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.URLInput,
    forms.NumberInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.ClearableFileInput,
    forms.FileInput,
]

attribute_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
)
attribute_values = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(),
    st.text(max_size=20),
    st.text(max_size=20).map(mark_safe),
    st.just(pgettext_lazy("honeypot", "Leave this field empty")),
    st.tuples(st.integers(), st.text(max_size=4)),
)
values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.text(max_size=30).map(mark_safe),
    st.integers(),
    st.booleans(),
    st.dates(),
    st.just(""),
)


def both(widget: forms.Widget, name: str, value) -> tuple[str, str]:
    """What the project's renderer and Django's own write for this widget."""
    ours = widget.render(name, value, renderer=Renderer())
    django = widget.render(name, value, renderer=DjangoTemplates())
    return str(ours), str(django)


def test_plain_inputs_are_written_in_python_while_the_templates_are_djangos():
    renderer = Renderer()
    assert "django/forms/widgets/text.html" in renderer.python_widgets
    assert "django/forms/widgets/checkbox.html" in renderer.python_widgets
    assert renderer.python_widgets <= set(INPUT_WIDGETS)
    with mock.patch.object(DjangoTemplates, "render", side_effect=AssertionError):
        html = forms.TextInput(attrs={"class": "fr-input"}).render("q", "x", renderer=renderer)
    assert html == '<input type="text" name="q" value="x" class="fr-input">'


@settings(max_examples=300, deadline=None)
@given(
    widget=st.sampled_from(WIDGETS),
    name=st.text(min_size=1, max_size=15),
    value=values,
    attrs=st.dictionaries(attribute_names, attribute_values, max_size=5),
)
def test_every_plain_input_is_written_as_djangos_templates_write_it(widget, name, value, attrs):
    ours, django = both(widget(attrs=attrs), name, value)
    assert ours == django


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.TextInput(attrs={"class": "fr-input", "aria-invalid": "true"}), 'a "b" <c> & d'),
        (forms.CheckboxInput(attrs={"required": True}), True),
        (forms.CheckboxInput(), False),
        (forms.DateInput(attrs={"type": "date"}), datetime.date(1944, 6, 6)),
        (forms.NumberInput(attrs={"min": 0, "disabled": False}), 0),
        (forms.HiddenInput(), mark_safe("<b>")),
        (forms.EmailInput(attrs={"placeholder": gettext_lazy("Enter a name with letters.")}), ""),
    ],
)
def test_the_site_s_own_cases_are_written_alike(widget, value):
    ours, django = both(widget, "field", value)
    assert ours == django


def test_when_an_application_overrides_input_html_no_widget_is_written_in_python():
    """Another application's input.html (or any of the three): every name goes back to
    the templates, which write it."""
    renderer = Renderer()
    real = renderer.get_template

    def overridden(name):
        template = real(name)
        if name == "django/forms/widgets/input.html":
            return mock.Mock(template=mock.Mock(source="<input data-theirs>"))
        return template

    with mock.patch.object(renderer, "get_template", side_effect=overridden):
        assert renderer.python_widgets == frozenset()
    assert Renderer().python_widgets  # a fresh renderer reads the sources again


def test_one_overridden_widget_keeps_its_template_and_the_others_stay_in_python():
    renderer = Renderer()
    real = renderer.get_template

    def overridden(name):
        if name == "django/forms/widgets/email.html":
            return mock.Mock(template=mock.Mock(source="{{ widget.name }}"))
        return real(name)

    with mock.patch.object(renderer, "get_template", side_effect=overridden):
        widgets = renderer.python_widgets
    assert "django/forms/widgets/email.html" not in widgets
    assert "django/forms/widgets/text.html" in widgets


def test_the_site_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "liberation.core.form_renderer.Renderer"
    assert isinstance(get_default_renderer(), form_renderer.Renderer)
