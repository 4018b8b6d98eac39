"""The registration panel of a ceremony page: state, seats left, and a link to the form.

The form itself lives on its own page (registrations:register): a form needs a CSRF
token and its cookie, and the ceremony page must stay the same for every visitor."""

from django import template

register = template.Library()


@register.inclusion_tag("registrations/_panel.html", takes_context=True)
def registration_panel(context, page):
    from liberation.registrations.views import panel_context

    request = context.get("request")
    result = panel_context(request, page, with_form=False)
    result["embedded"] = True
    return result
