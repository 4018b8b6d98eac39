"""The contributor's pages (start, their story's space, the story, rights and items
forms, sending, withdrawal, their data) and the public pages (the collection, a
published story, its files).

Views parse, call one service, render. Refusals answer a 4xx with a localized message
and write nothing: input errors 400 (the form comes back, every typed value in it),
rule refusals 409, a file too large 413, bursts 429, an unknown or tampered link 404.
Pages carrying the token are never cached, indexed or sent as a referrer. A successful
POST redirects (303). Public files are served only while their story is published,
cacheable for minutes at most (a withdrawal takes them down within PUBLIC_MAX_AGE).
"""

import json
from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from liberation.core import avmedia, private_links, ranges, uploads
from liberation.core.forms import BOT_REFUSAL
from liberation.core.private_links import language_of, private, see_other

from . import items, present, services
from .forms import ItemForm, RightsForm, StartForm, StoryForm
from .models import Story
from .services import CollectionError
from .storage import private_storage

rate_limited = private_links.rate_limited(
    scope="collection", template="collection/rate_limited.html", per_token=False
)

State = Story.State
PUBLIC_MAX_AGE = 300  # seconds: a withdrawn story's files are gone from caches after it
STATUS_FOR = {"not_editable": 409, "not_withdrawable": 409, "too_many": 409, "too_large": 413}
STATUS_FOR |= {"incomplete": 409}
# A request body beyond the largest file plus this is refused before it is read.
FORM_ALLOWANCE = 256 * 1024 + 50_000 * 4  # the fields, a long transcript in UTF-8


def with_story(view):
    """The token → the story, or the localized "unknown link" page (404)."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        story = services.story_for_token(token)
        if story is None:
            return render(request, "collection/link_invalid.html", status=404)
        return view(request, story, token, *args, **kwargs)

    return private(rate_limited(wrapper))


def space_url(token: str, name: str = "space", **kwargs) -> str:
    return reverse(f"collection:{name}", kwargs={"token": token, **kwargs})


# -- start -----------------------------------------------------------------------------


@private
@rate_limited
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "collection/start.html", {"form": StartForm()})
    form = StartForm(request.POST)
    if form.is_bot():
        refusal = BOT_REFUSAL
        context = {"form": form, "refusal": refusal}
        return render(request, "collection/start.html", context, status=400)
    if not form.is_valid():
        return render(request, "collection/start.html", {"form": form}, status=400)
    services.story_start(email=form.cleaned_data["email"], language=language_of(request))
    return see_other(reverse("collection:sent"))


@private
def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "collection/sent.html")


# -- the contributor's space -----------------------------------------------------------


def space_context(story: Story, token: str) -> dict:
    return {
        "story": story,
        "token": token,
        "items": list(story.items.all()),
        "editable": story.state in services.EDITABLE,
        "withdrawable": story.state in services.WITHDRAWABLE,
        "missing": services.missing_items(story) if story.state == State.DRAFT else [],
        "public_url": present.story_url(story) if story.state == State.PUBLISHED else "",
    }


@with_story
@require_http_methods(["GET"])
def space(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    services.email_verify(story=story)
    return render(request, "collection/space.html", space_context(story, token))


def _not_editable(request, story, token) -> HttpResponse:
    context = space_context(story, token)
    context["refusal"] = _("This story has been sent: it can no longer be changed.")
    return render(request, "collection/space.html", context, status=409)


PARTS = {
    # part: (form, page title, the view's URL name)
    "story": (StoryForm, _lazy("The story"), "story_edit"),
    "rights": (RightsForm, _lazy("Rights and licence"), "rights_edit"),
}


def _part(request, story, token, *, part: str) -> HttpResponse:
    """The story's or the rights' form (one template, `part_form.html`): fields valid
    are saved even when others are not, so nothing typed is lost."""
    form_class, title, url_name = PARTS[part]
    context = {"story": story, "token": token, "part": part, "title": title}
    context["action"] = space_url(token, url_name)
    if request.method == "GET":
        context["form"] = form_class(instance=story)
        return render(request, "collection/part_form.html", context)
    if story.state not in services.EDITABLE:
        return _not_editable(request, story, token)
    form = context["form"] = form_class(request.POST, instance=story)
    valid = form.is_valid()
    try:
        services.story_save(story_id=story.pk, values=form.valid_values(), part=part)
    except CollectionError as error:
        context["refusal"] = error.message
        status = STATUS_FOR.get(error.code, 400)
        return render(request, "collection/part_form.html", context, status=status)
    if not valid:
        return render(request, "collection/part_form.html", context, status=400)
    messages.success(request, _("Saved."))
    return see_other(space_url(token))


@with_story
@require_http_methods(["GET", "POST"])
def story_edit(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    return _part(request, story, token, part="story")


@with_story
@require_http_methods(["GET", "POST"])
def rights_edit(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    return _part(request, story, token, part="rights")


# -- items -----------------------------------------------------------------------------


def _items_page(request, story, token, *, form=None, status=200, refusal="") -> HttpResponse:
    context = {
        "story": story,
        "token": token,
        "items": list(story.items.all()),
        "form": form or ItemForm(),
        "refusal": refusal,
        "editable": story.state in services.EDITABLE,
    }
    return render(request, "collection/items.html", context, status=status)


@with_story
@require_http_methods(["GET", "POST"])
def item_add(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    if request.method == "GET":
        return _items_page(request, story, token)
    if story.state not in services.EDITABLE:
        return _not_editable(request, story, token)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > items.max_upload() + FORM_ALLOWANCE:
        # Refused before the body is read: a 2 GB upload costs no memory or disk.
        refusal = _("This file is too large; at most %(max)s MB per file.") % {
            "max": items.max_upload() // 1024 // 1024
        }
        response = _items_page(request, story, token, status=413, refusal=refusal)
        response["Connection"] = "close"
        return response
    form = ItemForm(request.POST, request.FILES)
    if not form.is_valid():
        return _items_page(request, story, token, form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        items.item_add(
            story_id=story.pk,
            name=upload.name,
            data=upload,
            caption=form.cleaned_data["caption"],
            date=form.cleaned_data["date"],
            transcript=form.cleaned_data["transcript"],
        )
    except CollectionError as error:
        form.add_error("file", error.message)
        return _items_page(request, story, token, form=form, status=STATUS_FOR.get(error.code, 400))
    messages.success(request, _("The file “%(name)s” has been added.") % {"name": upload.name})
    return see_other(space_url(token, "items"))


@with_story
@require_POST
def item_delete(request: HttpRequest, story: Story, token: str, item_id: str) -> HttpResponse:
    try:
        items.item_delete(story_id=story.pk, item_public_id=item_id)
    except CollectionError as error:
        messages.error(request, error.message)
        return see_other(space_url(token))
    messages.success(request, _("The file has been removed."))
    return see_other(space_url(token, "items"))


def file_response(request, item, *, cache: str) -> HttpResponse:
    """A ready item's file: a recording with byte ranges (players seek), inline; an
    image inline; a PDF downloaded."""
    handle = private_storage().open(item.file.name, "rb")
    if item.is_recording:
        return ranges.ranged_file_response(
            request,
            handle,
            size=item.size,
            filename=f"{item.public_id}{avmedia.STORED_EXTENSION.get(item.content_type, '')}",
            content_type=item.content_type,
            cache=cache,
        )
    extension = uploads.STORED_EXTENSION.get(item.content_type, "")
    return uploads.private_file_response(
        handle,
        filename=f"{item.public_id}{extension}",
        content_type=item.content_type,
        as_attachment=not item.is_image,
        cache=cache,
    )


@with_story
@require_http_methods(["GET"])
def item_file(request: HttpRequest, story: Story, token: str, item_id: str) -> HttpResponse:
    item = items.item_visible(story=story, item_public_id=item_id)
    if item is None:
        raise Http404
    return file_response(request, item, cache="private, no-store")


# -- send, withdraw, data --------------------------------------------------------------


@with_story
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "collection/submit.html", space_context(story, token))
    try:
        services.story_submit(story_id=story.pk)
    except CollectionError as error:
        context = space_context(story, token) | {"refusal": error.message}
        return render(
            request, "collection/submit.html", context, status=STATUS_FOR.get(error.code, 400)
        )
    messages.success(request, _("Your story has been sent. Thank you!"))
    return see_other(space_url(token))


@with_story
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "collection/withdraw.html", space_context(story, token))
    try:
        services.story_withdraw(story_id=story.pk)
    except CollectionError as error:
        messages.error(request, error.message)
        return see_other(space_url(token))
    messages.success(request, _("Your story has been withdrawn: it is no longer shown."))
    return see_other(space_url(token))


@with_story
@require_http_methods(["GET"])
def data_export(request: HttpRequest, story: Story, token: str) -> HttpResponse:
    data = services.story_data_export(story=story)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-story.json"'
    return response


# -- public ----------------------------------------------------------------------------


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_http_methods(["GET"])
def collection_index(request: HttpRequest) -> HttpResponse:
    stories = present.published_stories(language=language_of(request))
    return _public(render(request, "collection/index.html", {"stories": stories}), 60)


@require_http_methods(["GET"])
def story_page(request: HttpRequest, public_id: str) -> HttpResponse:
    story = present.published_story(public_id)
    if story is None:
        raise Http404
    if language_of(request) != story.language:
        # A story is published in its own language only.
        return HttpResponseRedirect(present.story_url(story))
    context = present.story_context(story, request=request)
    return _public(render(request, "collection/story.html", context), 60)


@require_http_methods(["GET"])
def public_file(request: HttpRequest, public_id: str, item_id: str) -> HttpResponse:
    story = present.published_story(public_id)
    item = items.item_visible(story=story, item_public_id=item_id) if story else None
    if item is None:
        raise Http404
    return file_response(request, item, cache=f"public, max-age={PUBLIC_MAX_AGE}")
