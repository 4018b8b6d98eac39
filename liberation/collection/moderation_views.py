"""The historians' pages in the Wagtail admin: the list of stories by state, a story
with its items (previewed through a private view), its moderation actions (publish,
keep private, reject with a reason) and its captions' and transcripts' edit.

Every view first checks the `collection.moderate_story` permission (the historians'
group, staff.py; superusers have it), else 404. Actions parse a form, call one service
of moderation.py and redirect to the story (or render it again, 4xx, with the error).
The menu and the URLs are in wagtail_hooks.py.
"""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import emails, moderation, present
from .forms import RejectForm
from .models import Item, Story
from .services import CollectionError
from .views import file_response

State = Story.State
PER_PAGE = 50
PERMISSION = "collection.moderate_story"


def can_moderate(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PERMISSION))


class ModerationMixin(WagtailAdminTemplateMixin):
    header_icon = "doc-full-inverse"

    def dispatch(self, request, *args, **kwargs):
        if not can_moderate(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        items = [{"url": reverse("collection_moderation:stories"), "label": _("Collection")}]
        if self.get_page_title() != items[0]["label"]:
            items.append({"url": "", "label": self.get_page_title()})
        else:
            items[0]["url"] = ""
        return self.breadcrumbs_items + items


class StoryListView(ModerationMixin, TemplateView):
    template_name = "collection/moderation/list.html"
    page_title = gettext_lazy("Collection")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.request.GET.get("state", State.NEEDS_REVIEW)
        if state not in State.values:
            state = State.NEEDS_REVIEW
        stories = (
            Story.objects.filter(state=state)
            .select_related("commune")
            .order_by("submitted_at", "pk")
        )
        page = Paginator(stories, PER_PAGE).get_page(self.request.GET.get("p"))
        context.update(
            stories=page.object_list,
            page_obj=page,
            state=state,
            states=[(value, label) for value, label in State.choices if value != State.DRAFT],
        )
        return context


class StoryMixin(ModerationMixin):
    def dispatch(self, request, *args, **kwargs):
        self.story = (
            Story.objects.select_related("commune")
            .filter(public_id=kwargs.get("public_id", ""))
            .first()
        )
        return super().dispatch(request, *args, **kwargs)

    def get_story(self) -> Story:
        if self.story is None or self.story.state == State.DRAFT:
            raise Http404
        return self.story

    def get_page_title(self):
        return self.story.title if self.story else ""

    def _again(self, request, *, status, **context):
        view = StoryDetailView()
        view.setup(request, public_id=self.story.public_id)
        view.story = self.story
        response = view.render_to_response(view.get_context_data(**context))
        response.status_code = status
        return response


def _file_url(story: Story, item: Item) -> str:
    return reverse("collection_moderation:file", args=[story.public_id, item.public_id])


class StoryDetailView(StoryMixin, TemplateView):
    template_name = "collection/moderation/detail.html"

    def get_context_data(self, reject_form=None, error=None, **kwargs):
        context = super().get_context_data(**kwargs)
        story = self.get_story()
        moves = moderation.MOVES.get(story.state, set())
        items = list(story.items.all())
        context.update(
            story=story,
            items=[
                (
                    item,
                    reverse("collection_moderation:file", args=[story.public_id, item.public_id]),
                )
                for item in items
            ],
            may_publish=State.PUBLISHED in moves,
            may_keep_private=State.PRIVATE in moves,
            reject_form=reject_form or (RejectForm() if State.REJECTED in moves else None),
            error=error,
            moderate_url=reverse("collection_moderation:moderate", args=[story.public_id]),
            captions_url=reverse("collection_moderation:captions", args=[story.public_id]),
            public_url=present.story_url(story) if story.state == State.PUBLISHED else "",
            audit=list(story.audit.select_related("actor")),
            outbox=list(emails.messages_of(story)),
            editable_captions=story.state != State.WITHDRAWN,
        )
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class ModerateView(StoryMixin, View):
    def post(self, request, public_id):
        story = self.get_story()
        to_state = request.POST.get("to_state", "")
        reason = ""
        if to_state == State.REJECTED:
            form = RejectForm(request.POST)
            if not form.is_valid():
                return self._again(request, reject_form=form, status=400)
            reason = form.cleaned_data["reason"]
        if to_state not in (State.PUBLISHED, State.PRIVATE, State.REJECTED):
            return self._again(request, error=_("Choose an action."), status=400)
        try:
            moderation.story_moderate(
                story_id=story.pk, to_state=to_state, user=request.user, reason=reason
            )
        except CollectionError as error:
            return self._again(request, error=error.message, status=409)
        messages.success(
            request,
            _("Story “%(title)s”: %(state)s.")
            % {"title": story.title, "state": State(to_state).label},
        )
        return redirect("collection_moderation:story", story.public_id)


class CaptionsView(StoryMixin, View):
    def post(self, request, public_id):
        story = self.get_story()
        captions, transcripts = {}, {}
        for item in story.items.all():
            captions[item.public_id] = request.POST.get(f"caption-{item.public_id}", item.caption)
            if item.is_recording:
                transcripts[item.public_id] = request.POST.get(
                    f"transcript-{item.public_id}", item.transcript
                )
        try:
            changed = moderation.captions_update(
                story_id=story.pk, captions=captions, transcripts=transcripts, user=request.user
            )
        except CollectionError as error:
            return self._again(request, error=error.message, status=400)
        messages.success(request, _("%(n)s item(s) changed.") % {"n": changed})
        return redirect("collection_moderation:story", story.public_id)


class ItemFileView(StoryMixin, View):
    """A story's file for its moderators, whatever the story's state (never cached)."""

    def get(self, request, public_id, item_id):
        story = self.get_story()
        item = story.items.filter(public_id=item_id, state=Item.State.READY).first()
        if item is None:
            raise Http404
        return file_response(request, item, cache="private, no-store")
