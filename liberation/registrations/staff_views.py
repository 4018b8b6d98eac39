"""Staff pages in the Wagtail admin: registrations listed, filtered, searched, exported
and inspected; per ceremony, the counts, a message to every confirmed registrant, the
draw, and the actions other apps add (extensions.py: the screening export and import);
per registration, cancel and revoke the badge.

Each view checks the permission, then the user's right on the ceremony concerned
(`selectors.staff_ceremonies`: another ceremony's data answers 404), parses, calls one
staff service (staff_services.py) and renders; what it shows comes from selectors.py,
the forms from staff_forms.py.
`wagtail_hooks.py` groups these views into viewsets and the admin menu.
"""

from datetime import datetime

from django.contrib.admin.utils import quote
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from liberation.core.spreadsheet import csv_cell
from liberation.events.models import RegistrationSettings

from . import emails, extensions
from .models import Registration
from .seat_audit import seat_mismatches
from .selectors import (
    Right,
    ceremony_audit_latest,
    ceremony_counts,
    ceremony_draw,
    confirmed_recipients,
    has_identity_data,
    staff_ceremonies,
    staff_rights,
)
from .services import RegistrationError
from .staff_forms import ConfirmForm, DrawForm, MessageForm, RevokeForm
from .staff_services import (
    audit_write,
    badge_revoke,
    draw_run_by_staff,
    message_confirmed_send,
    registration_cancel_by_staff,
    registrations_export_record,
)

ERROR_MESSAGES = {
    "not_draw": gettext_lazy(
        "This ceremony has no draw: its registrations are confirmed in order of arrival."
    ),
    "already_drawn": gettext_lazy("The draw has already been run for this ceremony."),
    "still_open": gettext_lazy("The draw can only be run once registration has closed."),
    "not_active": gettext_lazy(
        "This registration is no longer active: there is nothing to cancel."
    ),
}


def checked_in_at(registration: Registration) -> datetime | None:
    checkin = extensions.checkin_of(registration)  # the gate's, when installed
    return checkin.scanned_at if checkin else None


# --- Views: ceremonies ------------------------------------------------------------


class ScopeCheckedMixin:
    """After the model permission check (place it after PermissionCheckedMixin): the
    view's `check_scope()`, which raises Http404 for another ceremony's data."""

    def check_scope(self) -> None:
        pass

    def dispatch(self, request, *args, **kwargs):
        self.check_scope()
        return super().dispatch(request, *args, **kwargs)


class StaffViewMixin(PermissionCheckedMixin, ScopeCheckedMixin, WagtailAdminTemplateMixin):
    """Permission on Registration through Wagtail's policy: anonymous users go to the
    login page (Wagtail's admin decorator), others without it are refused. The
    permission opens the pages; each ceremony is reached only with a right on it."""

    model = Registration
    any_permission_required = ["view", "change"]
    header_icon = "group"

    @cached_property
    def can_change(self) -> bool:
        return self.user_has_permission("change")


class CeremonyIndexView(StaffViewMixin, TemplateView):
    template_name = "registrations/admin/ceremony_index.html"
    page_title = gettext_lazy("Ceremonies")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [
            {
                "ceremony": ceremony,
                "counts": ceremony_counts(ceremony=ceremony),
                "url": reverse("registrations_ceremonies:detail", args=[ceremony.pk]),
                "list_url": _list_url(ceremony),
            }
            for ceremony in staff_ceremonies(user=self.request.user).order_by("-opens_at", "pk")
        ]
        return context


def _list_url(ceremony: RegistrationSettings) -> str:
    return f"{reverse('registrations_admin:index')}?ceremony={ceremony.pk}"


class CeremonyMixin(StaffViewMixin):
    """A view about one ceremony (`pk` in the URL), under the ceremonies breadcrumb;
    404 unless the user holds `right` on it (None: any right)."""

    right: str | None = None

    def check_scope(self) -> None:
        self.ceremony  # noqa: B018 (raises Http404)

    @cached_property
    def ceremony(self) -> RegistrationSettings:
        return get_object_or_404(
            staff_ceremonies(user=self.request.user, right=self.right), pk=self.kwargs["pk"]
        )

    @cached_property
    def rights(self) -> frozenset[str]:
        return staff_rights(user=self.request.user, ceremony=self.ceremony)

    @cached_property
    def ceremony_url(self) -> str:
        return reverse("registrations_ceremonies:detail", args=[self.ceremony.pk])

    def get_page_subtitle(self):
        return self.ceremony.name

    def get_breadcrumbs_items(self):
        items = [
            {"url": reverse("registrations_ceremonies:index"), "label": _("Ceremonies")},
            {"url": self.ceremony_url, "label": self.ceremony.name},
        ]
        if self.page_title:
            items.append({"url": "", "label": self.get_page_title()})
        else:
            items[-1]["url"] = ""
        return self.breadcrumbs_items + items

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ceremony"] = self.ceremony
        context["ceremony_url"] = self.ceremony_url
        return context


class CeremonyDetailView(CeremonyMixin, TemplateView):
    template_name = "registrations/admin/ceremony_detail.html"

    def get_page_title(self):
        return self.ceremony.name

    def get_page_subtitle(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ceremony = self.ceremony
        list_url = _list_url(ceremony)

        def url(name: str) -> str:
            return reverse(f"registrations_ceremonies:{name}", args=[ceremony.pk])

        counts = ceremony_counts(ceremony=ceremony)
        context.update(
            counts=counts,
            draw=ceremony_draw(ceremony=ceremony),
            is_draw=ceremony.mode == RegistrationSettings.Mode.DRAW,
            state=ceremony.state(),
            can_change=self.can_change,
            may_list=Right.ATTENDEES in self.rights,
            may_screen=self.can_change and Right.SCREENING in self.rights,
            may_manage=self.can_change and Right.MANAGE in self.rights,
            list_url=list_url,
            export_url=f"{list_url}&export=csv",
            message_url=url("message"),
            draw_url=url("draw"),
            # what other apps add (screening: export and import), see extensions.py
            ceremony_actions=extensions.ceremony_actions(
                ceremony=ceremony,
                counts=counts,
                rights=self.rights if self.can_change else frozenset(),
            ),
            audit=ceremony_audit_latest(ceremony=ceremony),
            seat_mismatch=next(iter(seat_mismatches(ceremony_id=ceremony.pk)), None),
        )
        return context


class ActionFormView(CeremonyMixin, FormView):
    """A form page for a staff action that changes things: `change_registration` only."""

    any_permission_required = None
    permission_required = "change"
    template_name = "registrations/admin/action_form.html"
    submit_label = ""
    intro: list[str] = []

    def get_intro(self) -> list[str]:
        return [str(paragraph) for paragraph in self.intro]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            intro=self.get_intro(),
            submit_label=self.submit_label,
            action_url=self.request.path,
            back_url=self.ceremony_url,
        )
        return context


class MessageAllView(ActionFormView):
    right = Right.MANAGE
    form_class = MessageForm
    page_title = gettext_lazy("Message the confirmed registrants")
    submit_label = gettext_lazy("Send to all confirmed registrants")

    def get_intro(self):
        count = confirmed_recipients(ceremony=self.ceremony).count()
        return [
            ngettext(
                "%(count)s confirmed registrant will receive this message by email, in "
                "their language, under the subject “Message from the organisers”.",
                "%(count)s confirmed registrants will receive this message by email, each "
                "in their language, under the subject “Message from the organisers”.",
                count,
            )
            % {"count": count}
        ]

    def form_valid(self, form):
        if not confirmed_recipients(ceremony=self.ceremony).exists():
            messages.error(self.request, _("No confirmed registrant to write to."))
            return self.form_invalid(form)
        sent = message_confirmed_send(
            ceremony=self.ceremony, text=form.cleaned_data["text"], user=self.request.user
        )
        messages.success(
            self.request,
            ngettext("%(count)s message queued.", "%(count)s messages queued.", sent)
            % {"count": sent},
        )
        return redirect(self.ceremony_url)


class DrawView(ActionFormView):
    right = Right.MANAGE
    form_class = DrawForm
    page_title = gettext_lazy("Run the draw")
    submit_label = gettext_lazy("Run the draw")

    def get_intro(self):
        counts = ceremony_counts(ceremony=self.ceremony)
        return [
            _(
                "%(applied)s applications for %(seats)s seats: the draw confirms them in "
                "drawn order up to capacity and puts the others on the waiting list, in "
                "that order. It runs once, after registration has closed, and cannot be "
                "undone."
            )
            % {"applied": counts.applied, "seats": counts.capacity}
        ]

    def form_valid(self, form):
        try:
            log = draw_run_by_staff(
                ceremony=self.ceremony, seed=form.cleaned_data["seed"], user=self.request.user
            )
        except RegistrationError as error:
            messages.error(self.request, str(ERROR_MESSAGES.get(error.code, error.code)))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "Draw done (seed %(seed)s): %(confirmed)s confirmed, %(waitlisted)s on the "
                "waiting list."
            )
            % {"seed": log.seed, "confirmed": log.confirmed, "waitlisted": log.waitlisted},
        )
        return redirect(self.ceremony_url)


def can_view(user) -> bool:
    """Whether the staff menu shows: either registrations permission."""
    return user.has_perm("registrations.view_registration") or user.has_perm(
        "registrations.change_registration"
    )


# --- Views: registrations ---------------------------------------------------------


class RegistrationIndexView(IndexView):
    """The list: filters, search, counts for the filtered ceremony, CSV export; only
    the ceremonies on which the user may see the attendees (another in ?ceremony=: 404)."""

    any_permission_required = ["view", "change"]
    FORMATS = (IndexView.FORMAT_CSV,)  # no XLSX: one format to audit and to sanitise

    @cached_property
    def allowed_ceremonies(self):
        return staff_ceremonies(user=self.request.user, right=Right.ATTENDEES)

    def get(self, request, *args, **kwargs):
        asked = request.GET.get("ceremony")
        if asked and not (
            asked.isdigit() and self.allowed_ceremonies.filter(pk=int(asked)).exists()
        ):
            raise Http404
        return super().get(request, *args, **kwargs)

    @cached_property
    def filters(self):
        filters = super().filters
        if filters is not None and "ceremony" in filters.form.fields:
            filters.form.fields["ceremony"].queryset = self.allowed_ceremonies
        return filters

    def get_base_queryset(self):
        queryset = super().get_base_queryset().filter(ceremony__in=self.allowed_ceremonies)
        queryset = extensions.with_checkins(queryset.select_related("ceremony"))
        if self.is_export:
            queryset = queryset.prefetch_related("companions")
        return queryset

    @cached_property
    def header_more_buttons(self):
        return [b for b in super().header_more_buttons if "export=xlsx" not in (b.url or "")]

    @cached_property
    def filtered_ceremony(self) -> RegistrationSettings | None:
        if self.filters and self.filters.is_valid():
            return self.filters.form.cleaned_data.get("ceremony")
        return None

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        ceremony = self.filtered_ceremony
        if ceremony is not None and not self.is_export:
            context["ceremony"] = ceremony
            context["counts"] = ceremony_counts(ceremony=ceremony)
            context["ceremony_url"] = reverse("registrations_ceremonies:detail", args=[ceremony.pk])
        return context

    def to_row_dict(self, item):
        companions = "; ".join(f"{c.given_name} {c.surname}" for c in item.companions.all())
        values = {
            "reference": item.reference,
            "ceremony": item.ceremony.name,
            "surname": item.surname,
            "given_name": item.given_name,
            "email": item.email,
            "language": item.language,
            "seats": item.seats,
            "companions": companions,
            "status": item.get_status_display(),
            "screening": item.get_screening_display(),
            "waitlist_position": item.waitlist_position,
            "created_at": _iso(item.created_at),
            "checked_in_at": _iso(checked_in_at(item)),
            "badge_revoked_at": _iso(item.badge_revoked_at),
        }
        return {name: csv_cell(values[name]) for name in self.list_export}

    def write_csv_response(self, queryset):
        # Built inside the view, not streamed: the headings must be rendered while the
        # staff member's admin language is active. The BOM tells spreadsheets "UTF-8".
        content = "\ufeff".encode() + b"".join(self.stream_csv(queryset))
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="registrations-{stamp}.csv"'
        add_never_cache_headers(response)
        return response

    def render_to_response(self, context, **response_kwargs):
        if self.is_export:
            query = self.request.GET.copy()
            query.pop("export", None)
            registrations_export_record(
                user=self.request.user,
                ceremony=self.filtered_ceremony,
                rows=context["object_list"].count(),
                query=query.urlencode(),
            )
        return super().render_to_response(context, **response_kwargs)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


IDENTITY_FIELDS = ("birth_date", "birth_place", "nationality")


class RegistrationDetailView(InspectView):
    """One registration with its companions, messages and check-in, for a user who may
    see the attendees of its ceremony (else 404); identity data (birth date, place,
    nationality) only with the screening right, and viewing it is audit-logged."""

    any_permission_required = ["view", "change"]

    def get_object(self, queryset=None):
        queryset = Registration.objects.select_related("ceremony").prefetch_related("companions")
        # Called from setup(), before dispatch's permission check: without the permission
        # the user is refused there (403), as on every staff page; with it, another
        # ceremony's registration answers 404.
        if self.user_has_any_permission(self.any_permission_required):
            allowed = staff_ceremonies(user=self.request.user, right=Right.ATTENDEES)
            queryset = queryset.filter(ceremony__in=allowed)
        return get_object_or_404(queryset, pk=self.pk)

    @cached_property
    def rights(self) -> frozenset[str]:
        return staff_rights(user=self.request.user, ceremony=self.object.ceremony)

    @cached_property
    def shows_identity(self) -> bool:
        return Right.SCREENING in self.rights

    def get(self, request, *args, **kwargs):
        if self.shows_identity and has_identity_data(registration=self.object):
            audit_write(
                user=request.user,
                action="registration_view",
                ceremony=self.object.ceremony,
                detail=self.object.reference,
            )
        return super().get(request, *args, **kwargs)

    def get_fields_context(self):
        if not self.shows_identity:
            self.fields = [f for f in self.fields if f not in IDENTITY_FIELDS]
        return [f for f in super().get_fields_context() if f["value"] not in (None, "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = self.object
        can_change = self.user_has_permission("change") and Right.MANAGE in self.rights
        context.update(
            shows_identity=self.shows_identity,
            companions=registration.companions.all(),
            outbox=emails.message_history(registration),
            checkin=extensions.checkin_of(registration),
            can_change=can_change,
            is_active=registration.status in Registration.ACTIVE,
            cancel_url=reverse("registrations_admin:cancel", args=[quote(registration.pk)]),
            revoke_url=reverse("registrations_admin:revoke", args=[quote(registration.pk)]),
            ceremony_url=reverse(
                "registrations_ceremonies:detail", args=[registration.ceremony_id]
            ),
        )
        return context


class RegistrationActionView(
    PermissionCheckedMixin, ScopeCheckedMixin, WagtailAdminTemplateMixin, FormView
):
    """An action on one registration: `change_registration` and the manage right on its
    ceremony (another ceremony's registration: 404)."""

    model = Registration
    permission_required = "change"
    template_name = "registrations/admin/action_form.html"
    header_icon = "user"
    submit_label = ""
    intro: list[str] = []

    def check_scope(self) -> None:
        self.registration  # noqa: B018 (raises Http404)

    @cached_property
    def registration(self) -> Registration:
        return get_object_or_404(
            Registration.objects.select_related("ceremony").filter(
                ceremony__in=staff_ceremonies(user=self.request.user, right=Right.MANAGE)
            ),
            pk=self.kwargs["pk"],
        )

    @cached_property
    def detail_url(self) -> str:
        return reverse("registrations_admin:inspect", args=[quote(self.registration.pk)])

    def get_page_subtitle(self):
        return str(self.registration)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse("registrations_admin:index"), "label": _("Registrations")},
            {"url": self.detail_url, "label": self.registration.reference},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            intro=[str(p) for p in self.intro],
            submit_label=self.submit_label,
            action_url=self.request.path,
            back_url=self.detail_url,
            danger=True,
        )
        return context


class RegistrationCancelView(RegistrationActionView):
    form_class = ConfirmForm
    page_title = gettext_lazy("Cancel the registration")
    submit_label = gettext_lazy("Cancel the registration")
    intro = [
        gettext_lazy(
            "The registrant receives a cancellation email and the seats are offered to the "
            "waiting list at once. This cannot be undone."
        )
    ]

    def form_valid(self, form):
        try:
            registration_cancel_by_staff(registration=self.registration, user=self.request.user)
        except RegistrationError as error:
            messages.error(self.request, str(ERROR_MESSAGES.get(error.code, error.code)))
            return redirect(self.detail_url)
        messages.success(
            self.request,
            _("Registration %(reference)s cancelled.") % {"reference": self.registration.reference},
        )
        return redirect(self.detail_url)


class BadgeRevokeView(RegistrationActionView):
    form_class = RevokeForm
    page_title = gettext_lazy("Revoke the badge")
    submit_label = gettext_lazy("Revoke the badge")
    intro = [
        gettext_lazy(
            "The badge goes on the revocation list: gates refuse it once they have "
            "downloaded the list again."
        )
    ]

    def form_valid(self, form):
        cancelled = badge_revoke(
            registration=self.registration,
            user=self.request.user,
            cancel=form.cleaned_data["cancel"],
        )
        if cancelled:
            text = _("Badge of %(reference)s revoked and registration cancelled.")
        elif form.cleaned_data["cancel"]:
            text = _("Badge of %(reference)s revoked; the registration was no longer active.")
        else:
            text = _("Badge of %(reference)s revoked.")
        messages.success(self.request, text % {"reference": self.registration.reference})
        return redirect(self.detail_url)
