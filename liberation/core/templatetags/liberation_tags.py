"""Template tags for the public pages: dates, language switcher, alternates, footer."""

from django import template
from django.template.base import Node, NodeList
from django.urls import NoReverseMatch, Resolver404, resolve, reverse, translate_url
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page, Site

register = template.Library()

# "05 mai 2025" in French (as on the Mission's site), "5 May 2025" in English.
DATE_FORMATS = {"fr": "d F Y", "en": "j F Y"}


@register.simple_tag
def surrogate_keys(*keys: str) -> str:
    """Add keys to the `xkey` header of the response (core/surrogate.py)."""
    from liberation.core.surrogate import keys_add

    keys_add(*keys)
    return ""


@register.filter(expects_localtime=True)
def localized_date(value) -> str:
    """The date in the reader's language; a datetime is first put in the site's time zone."""
    if not value:
        return ""
    language = translation.get_language() or "fr"
    return date_format(value, DATE_FORMATS.get(language[:2], "j F Y"))


@register.filter
def yesno_ne(a, b) -> bool:
    return a != b


def _site_root(context) -> Page | None:
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    return site.root_page if site else None


@register.simple_tag(takes_context=True)
def site_home(context) -> Page | None:
    """The home page in the current language."""
    root = _site_root(context)
    if root is None:
        return None
    return root.localized.specific


def _view_name(request) -> str | None:
    """The URL name of the view answering `request` when it is a view of an app rather
    than a Wagtail page (whose translation the page itself knows)."""
    if request is None:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.url_name in (None, "wagtail_serve"):
        return None
    return match.view_name


def _alternates(context, page: Page) -> list[tuple[str, str, bool]]:
    """(language code, URL, is_translation) for each language of the site."""
    request = context.get("request")
    result = []
    home = _site_root(context)
    view_name = _view_name(request) if page is None else None
    for locale in Locale.objects.all().order_by("language_code"):
        if view_name is not None:
            # A view of an app (the agenda, the map): the same view in the other language,
            # with its query (the filters), through the translated URL patterns.
            url = translate_url(request.get_full_path(), locale.language_code)
            result.append((locale.language_code, url, True))
            continue
        if page is not None and locale.pk == page.locale_id:
            result.append((locale.language_code, page.get_url(request=request), True))
            continue
        translated = page.get_translation_or_none(locale) if page is not None else None
        if translated is not None and translated.live:
            result.append((locale.language_code, translated.get_url(request=request), True))
        elif home is not None:
            other_home = home.get_translation_or_none(locale)
            if other_home is not None:
                result.append((locale.language_code, other_home.get_url(request=request), False))
    return result


# Each language is named in itself (an endonym), whatever the page's language.
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    """The DSFR language selector: each link goes to the translation of the page, or
    to the home page in that language when the page is not translated."""
    page = context.get("page")
    current = translation.get_language()
    languages = [
        {
            "code": code,
            "url": url,
            "name": LANGUAGE_NAMES.get(code, code),
            "current": code == current,
        }
        for code, url, _is_translation in _alternates(context, page)
    ]
    return {
        "languages": languages,
        "current": current,
        "current_name": LANGUAGE_NAMES.get(current, current),
    }


@register.inclusion_tag("includes/seo_head.html", takes_context=True)
def page_alternates(context, page: Page):
    """Canonical, hreflang, feed, Open Graph and JSON-LD for the head of `page`.

    Every URL is absolute on the request's host (see liberation.core.seo).
    """
    from liberation.core.seo import head_metadata

    return head_metadata(page=page, request=context.get("request"))


@register.simple_tag(takes_context=True)
def view_nav_links(context) -> list[dict]:
    """The main menu's links to views (core.navigation): label, URL, current or not."""
    from liberation.core.navigation import nav_links

    request = context.get("request")
    current = _view_name(request)
    links = []
    for link in nav_links():
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        links.append({"label": link.label, "url": url, "current": current == link.url_name})
    return links


@register.inclusion_tag("includes/notice.html", takes_context=True)
def site_notice(context) -> dict:
    """The site-wide notice (core.NoticeSettings) in the reader's language, if shown."""
    from liberation.core.models import NoticeSettings

    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    # Read only: `NoticeSettings.for_site` would create the row on a GET, a write
    # that replaces the content version and waits on a locked database.
    notice = (
        NoticeSettings.objects.filter(site=site, enabled=True).select_related("link_page").first()
        if site is not None
        else None
    )
    if notice is None:
        return {"notice": None}
    title, text = notice.in_language(translation.get_language() or "fr")
    link = notice.link_page.localized.get_url(request=request) if notice.link_page else None
    return {"notice": notice, "title": title, "text": text, "link": link}


@register.simple_tag(takes_context=True)
def footer_links(context) -> list[tuple[str, str]]:
    from liberation.core.models import FooterSettings

    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    footer = FooterSettings.for_site(site)
    labels = [
        ("accessibility_page", _("Accessibility: partially compliant")),
        ("legal_page", _("Legal notice")),
        ("personal_data_page", _("Personal data")),
        ("cookies_page", _("Cookie management")),
    ]
    links = []
    for field, label in labels:
        page = getattr(footer, field)
        if page is not None:
            url = page.localized.get_url(request=request)
            if url:
                links.append((label, url))
    return links


class FragmentNode(Node):
    def __init__(self, nodelist: NodeList, name: str, vary_on: list):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context) -> str:
        from liberation.core.fragments import fragment_get_or_render

        return fragment_get_or_render(
            request=context.get("request"),
            name=self.name,
            vary_on=[value.resolve(context) for value in self.vary_on],
            render=lambda: self.nodelist.render(context),
        )


@register.tag
def fragment(parser, token):
    """{% fragment "name" value… %}…{% endfragment %}: the HTML inside, cached per
    content version, host, language and the values given (see liberation.core.fragments).

    Only for parts whose output depends on nothing else: not the user, not the query
    string, not a CSRF token.
    """
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('{% fragment "name" [value …] %} needs a quoted name')
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, bits[1][1:-1], [parser.compile_filter(b) for b in bits[2:]])
