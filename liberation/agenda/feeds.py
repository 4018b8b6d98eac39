"""RSS 2.0 and Atom feeds of the agenda for the same filters as the page
(/LANG/agenda/rss/?…, /LANG/agenda/atom/?…): the next FEED_LENGTH sessions."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Locale

from .filters import AgendaFilterForm, AgendaFilters
from .present import description_in, event_url, location_text, title_in
from .selectors import AgendaItem, agenda_items

FEED_LENGTH = 50


class AgendaFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, request, filters: AgendaFilters):
        super().__init__()
        self.request = request
        self.filters = filters
        self.language = "en" if translation.get_language() == "en" else "fr"

    def get_object(self, request, *args, **kwargs):
        return self.filters

    def title(self, obj) -> str:
        return _("Mission Libération — agenda")

    def description(self, obj) -> str:
        return _("Labelled events and national ceremonies of the 80th anniversary.")

    subtitle = description

    def link(self, obj) -> str:
        query = self.filters.querystring()
        return self.request.build_absolute_uri(reverse("agenda") + (f"?{query}" if query else ""))

    def feed_url(self, obj) -> str:
        return self.request.build_absolute_uri(self.request.get_full_path())

    def items(self, obj) -> list[AgendaItem]:
        filters = obj.with_default_start(timezone.localdate())
        return agenda_items(filters, locale=Locale.get_active(), limit=FEED_LENGTH)[:FEED_LENGTH]

    def item_title(self, item: AgendaItem) -> str:
        when = date_format(timezone.localtime(item.starts_at), "DATETIME_FORMAT")
        if item.session is not None:
            project = item.session.project
            where = project.commune.name if project.commune_id else ""
            title = title_in(project, self.language)
            status = (
                f" ({project.get_status_display()})"
                if project.status != project.Status.SCHEDULED
                else ""
            )
            return f"{when} — {title}{status}" + (f" — {where}" if where else "")
        return f"{when} — {item.ceremony.title}"

    def item_description(self, item: AgendaItem) -> str:
        if item.session is not None:
            project = item.session.project
            return f"{location_text(project)}\n\n{description_in(project, self.language)}"
        return f"{item.ceremony.venue}\n\n{item.ceremony.lead or ''}"

    def item_link(self, item: AgendaItem) -> str:
        if item.session is not None:
            return event_url(item.session.project, self.request, self.language)
        return self.request.build_absolute_uri(item.ceremony.get_url(request=self.request) or "/")

    def item_guid(self, item: AgendaItem) -> str:
        if item.session is not None:
            return f"{self.item_link(item)}#session-{item.session.pk}"
        return self.item_link(item)

    def item_pubdate(self, item: AgendaItem):
        if item.session is not None:
            return item.session.project.labelled_at or item.session.project.updated_at
        return item.ceremony.first_published_at

    def item_updateddate(self, item: AgendaItem):
        if item.session is not None:
            return item.session.project.updated_at
        return item.ceremony.last_published_at


class AgendaAtomFeed(AgendaFeed):
    feed_type = Atom1Feed


def _feed_view(feed_class):
    @require_GET
    def view(request):
        form = AgendaFilterForm(request.GET)
        if not form.is_valid():
            message = "\n".join(f"{label}: {error}" for label, error in form.error_list())
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return feed_class(request, form.filters())(request)

    return view


agenda_rss = _feed_view(AgendaFeed)
agenda_atom = _feed_view(AgendaAtomFeed)
