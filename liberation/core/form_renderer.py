"""Django's form renderer, with the plain `<input>` widgets written in Python.

Every text, email, checkbox, hidden, date… widget is rendered by Django through three
templates (`text.html` includes `input.html`, which includes `attrs.html` and loops over
the attributes): about 0.3 ms of CPU per field, a quarter of a refused registration
during a rush (bench/registration_rush.py --in-process, docs/benchmarks.md). `Renderer`
writes the same characters in Python, and only while those templates are Django's own:
it compares their source, as its engine finds them, with the text below once, and
renders through the templates as before for any name an application overrides
(django-dsfr overrides only the option widgets: radio, checkbox lists). The tests compare
both ways on every such widget.
"""

from functools import cached_property

from django.forms.renderers import DjangoTemplates
from django.utils.html import escape
from django.utils.safestring import SafeData

INCLUDE_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
INPUT = (
    '<input type="{{ widget.type }}" name="{{ widget.name }}"'
    "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n'
)
ATTRS = (
    "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
    "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
    "{% endfor %}"
)
# Django's widgets whose whole template is INCLUDE_INPUT (Django 5.2 and 6.0).
INPUT_WIDGETS = tuple(
    f"django/forms/widgets/{name}.html"
    for name in (
        "checkbox",
        "color",
        "date",
        "datetime",
        "email",
        "file",
        "hidden",
        "number",
        "password",
        "search",
        "tel",
        "text",
        "time",
        "url",
    )
)


def _text(value) -> str:
    """`{{ value }}` as the templates write it: autoescaped unless marked safe."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: "%s" % value (a tuple as one value), escaped
    unless the value was marked safe (the filter keeps the mark)."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)
    return text if isinstance(value, SafeData) else escape(text)


def render_input(context: dict) -> str:
    """What INCLUDE_INPUT renders for this widget context."""
    widget = context["widget"]
    parts = ['<input type="', _text(widget["type"]), '" name="', _text(widget["name"]), '"']
    value = widget["value"]
    if value is not None:
        parts += [' value="', _formatted(value), '"']
    for name, attribute in widget["attrs"].items():
        if attribute is False:
            continue
        parts += [" ", _text(name)]
        if attribute is not True:
            parts += ['="', _formatted(attribute), '"']
    parts.append(">")  # the renderer strips the templates' line ends
    return "".join(parts)


class Renderer(DjangoTemplates):
    """FORM_RENDERER (settings/base.py): DjangoTemplates, plain inputs in Python."""

    @cached_property
    def python_widgets(self) -> frozenset[str]:
        """The template names rendered in Python: those still Django's own."""

        def source(name: str) -> str | None:
            template = self.get_template(name)
            return getattr(getattr(template, "template", None), "source", None)

        if source("django/forms/widgets/input.html") != INPUT:
            return frozenset()
        if source("django/forms/widgets/attrs.html") != ATTRS:
            return frozenset()
        return frozenset(name for name in INPUT_WIDGETS if source(name) == INCLUDE_INPUT)

    def render(self, template_name, context, request=None):
        if template_name in self.python_widgets:
            return render_input(context)
        return super().render(template_name, context, request=request)
