"""The registration panel of a ceremony page: state, seats left, and the form."""

from django import template

register = template.Library()


@register.inclusion_tag("registrations/_panel.html", takes_context=True)
def registration_panel(context, page):
    from liberation.registrations.views import panel_context

    request = context.get("request")
    result = panel_context(request, page)
    result["csrf_token"] = context.get("csrf_token")
    result["embedded"] = True
    return result
