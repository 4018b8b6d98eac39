"""Staff tools in the Wagtail admin: registrations listed, filtered, searched, exported
and inspected; per ceremony, the counts, the screening export and import, a message to
every confirmed registrant, the draw; per registration, cancel and revoke the badge.

The first part holds the staff operations as plain functions (each writes its audit
row in the same transaction as its change); the second the admin views, which check
the permission, parse, call one of them and render. `wagtail_hooks.py` registers the
viewsets.

Permissions are Django's on Registration: `view_registration` lists and inspects (and
exports the list), `change_registration` acts (message, draw, screening, cancel,
revoke). `staff_group_ensure()` creates the ceremony staff group with both.
"""

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView, TemplateView, View
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from liberation.events.models import RegistrationSettings

from . import emails
from .models import AuditLog, CheckIn, DrawLog, OutboxMessage, Registration
from .screening import MAX_IMPORT_BYTES, csv_cell, screening_export_csv, screening_import_csv
from .seat_audit import seat_mismatches
from .services import RegistrationError, draw_run, registration_cancel

Status = Registration.Status

STAFF_GROUP_NAME = "Équipe cérémonie"
STAFF_PERMISSIONS = [
    ("wagtailadmin", "access_admin"),
    ("registrations", "view_registration"),
    ("registrations", "change_registration"),
    ("registrations", "add_checkin"),  # the gate check-in app (checkin_views.PERMISSION)
]

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


# --- Staff operations -------------------------------------------------------------


def audit_write(
    *,
    user: AbstractBaseUser,
    action: str,
    ceremony: RegistrationSettings | None = None,
    detail: str = "",
) -> AuditLog:
    return AuditLog.objects.create(
        user=user.get_username(), action=action, ceremony=ceremony, detail=detail
    )


def staff_group_ensure() -> Group:
    """The ceremony staff group with its permissions; idempotent (call it at deploy)."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    for app_label, codename in STAFF_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None and app_label == "registrations":
            # Permissions are created after migrate; a first call may come before.
            model = CheckIn if codename.endswith("checkin") else Registration
            permission, _created = Permission.objects.get_or_create(
                content_type=ContentType.objects.get_for_model(model),
                codename=codename,
                defaults={"name": f"Can {codename.replace('_', ' ')}"},
            )
        if permission is not None:
            group.permissions.add(permission)
    return group


@dataclass(frozen=True)
class CeremonyCounts:
    capacity: int
    seats_taken: int  # confirmed and offered seats: what capacity is checked against
    confirmed: int
    confirmed_seats: int
    offered: int
    waitlisted: int
    waitlisted_seats: int
    applied: int
    applied_seats: int
    cancelled: int  # by the registrant or staff, or an offer that expired
    refused: int
    screening_pending: int
    checked_in: int
    checked_in_seats: int

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)


def ceremony_counts(*, ceremony: RegistrationSettings) -> CeremonyCounts:
    """The registrations of a ceremony counted per state, in one query."""

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    def seats(condition: Q) -> Sum:
        return Sum("seats", filter=condition, default=0)

    by_status = {status: Q(status=status) for status in Status.values}
    totals = Registration.objects.filter(ceremony=ceremony).aggregate(
        confirmed=count(by_status[Status.CONFIRMED]),
        confirmed_seats=seats(by_status[Status.CONFIRMED]),
        offered=count(by_status[Status.OFFERED]),
        waitlisted=count(by_status[Status.WAITLISTED]),
        waitlisted_seats=seats(by_status[Status.WAITLISTED]),
        applied=count(by_status[Status.APPLIED]),
        applied_seats=seats(by_status[Status.APPLIED]),
        cancelled=count(Q(status__in=[Status.CANCELLED, Status.EXPIRED])),
        refused=count(by_status[Status.REFUSED]),
        screening_pending=count(
            Q(screening=Registration.Screening.PENDING, status__in=Registration.ACTIVE)
        ),
    )
    checked = CheckIn.objects.filter(registration__ceremony=ceremony).aggregate(
        checked_in=Count("pk"), checked_in_seats=Sum("registration__seats", default=0)
    )
    ceremony.refresh_from_db(fields=["seats_taken", "capacity"])
    return CeremonyCounts(
        capacity=ceremony.capacity, seats_taken=ceremony.seats_taken, **totals, **checked
    )


def confirmed_recipients(*, ceremony: RegistrationSettings):
    return ceremony.registrations.filter(
        status=Status.CONFIRMED, erased_at__isnull=True
    ).select_related("ceremony")


def message_confirmed_send(
    *, ceremony: RegistrationSettings, text: str, user: AbstractBaseUser
) -> int:
    """Queue the staff's text to every confirmed registrant, each in their language;
    returns how many messages were queued."""
    text = text.strip()
    with transaction.atomic():
        sent = 0
        for registration in confirmed_recipients(ceremony=ceremony):
            emails.queue(registration=registration, kind=OutboxMessage.Kind.MESSAGE, extra=text)
            sent += 1
        audit_write(
            user=user, action="message_confirmed", ceremony=ceremony, detail=f"{sent}: {text}"
        )
    return sent


def draw_run_by_staff(
    *, ceremony: RegistrationSettings, seed: str | None, user: AbstractBaseUser
) -> DrawLog:
    """`services.draw_run`, audit-logged; raises RegistrationError as it does."""
    with transaction.atomic():
        log = draw_run(ceremony=ceremony, seed=seed or None, performed_by=user.get_username())
        audit_write(
            user=user,
            action="draw_run",
            ceremony=ceremony,
            detail=f"seed={log.seed} confirmed={log.confirmed} waitlisted={log.waitlisted}",
        )
    return log


def registration_cancel_by_staff(*, registration: Registration, user: AbstractBaseUser) -> None:
    """`services.registration_cancel`, audit-logged; raises RegistrationError("not_active")."""
    with transaction.atomic():
        registration_cancel(registration=registration)
        audit_write(
            user=user,
            action="registration_cancel",
            ceremony=registration.ceremony,
            detail=registration.reference,
        )


def badge_revoke(
    *,
    registration: Registration,
    user: AbstractBaseUser,
    cancel: bool = False,
    now: datetime | None = None,
) -> bool:
    """Put the badge on the revocation list (once) and, if asked, cancel the
    registration; returns whether it was cancelled (it must still be active)."""
    now = now or timezone.now()
    with transaction.atomic():
        Registration.objects.filter(pk=registration.pk, badge_revoked_at__isnull=True).update(
            badge_revoked_at=now
        )
        registration.refresh_from_db()
        cancelled = cancel and registration.status in Registration.ACTIVE
        if cancelled:
            registration_cancel(registration=registration)
        audit_write(
            user=user,
            action="badge_revoke",
            ceremony=registration.ceremony,
            detail=f"{registration.reference}{' cancelled' if cancelled else ''}",
        )
    return cancelled


def has_identity_data(registration: Registration) -> bool:
    people = [registration, *registration.companions.all()]
    return any(p.birth_date or p.birth_place or p.nationality for p in people)


def checked_in_at(registration: Registration) -> datetime | None:
    checkin = getattr(registration, "checkin", None)  # RelatedObjectDoesNotExist: None
    return checkin.scanned_at if checkin else None


# --- Forms ------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    pass


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=gettext_lazy(
            "Sent as it is to every confirmed registrant, after a greeting and before the "
            "ceremony's practical details. Write it in both languages if registrants speak "
            "French and English."
        ),
    )


class DrawForm(forms.Form):
    seed = forms.CharField(
        label=gettext_lazy("Seed"),
        max_length=64,
        required=False,
        help_text=gettext_lazy(
            "Optional. The same seed over the same applications gives the same order; "
            "leave it empty for a random one. It is logged either way."
        ),
    )


class ScreeningImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Decisions file (CSV)"),
        help_text=gettext_lazy(
            "Columns “reference” and “decision” (approved or refused); other columns are "
            "ignored, so the exported file can come back with its decision column filled in."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than %(size)s MB.") % {"size": 5})
        return upload


class RevokeForm(forms.Form):
    cancel = forms.BooleanField(
        label=gettext_lazy("Also cancel the registration (its seats go to the waiting list)"),
        required=False,
    )


# --- Views: ceremonies ------------------------------------------------------------


class StaffViewMixin(PermissionCheckedMixin, WagtailAdminTemplateMixin):
    """Permission on Registration through Wagtail's policy: anonymous users go to the
    login page (Wagtail's admin decorator), others without it are refused."""

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
            for ceremony in RegistrationSettings.objects.order_by("-opens_at", "pk")
        ]
        return context


def _list_url(ceremony: RegistrationSettings) -> str:
    return f"{reverse('registrations_admin:index')}?ceremony={ceremony.pk}"


class CeremonyMixin(StaffViewMixin):
    """A view about one ceremony (`pk` in the URL), under the ceremonies breadcrumb."""

    @cached_property
    def ceremony(self) -> RegistrationSettings:
        return get_object_or_404(RegistrationSettings, pk=self.kwargs["pk"])

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

        context.update(
            counts=ceremony_counts(ceremony=ceremony),
            draw=DrawLog.objects.filter(ceremony=ceremony).first(),
            is_draw=ceremony.mode == RegistrationSettings.Mode.DRAW,
            state=ceremony.state(),
            can_change=self.can_change,
            list_url=list_url,
            export_url=f"{list_url}&export=csv",
            message_url=url("message"),
            draw_url=url("draw"),
            screening_export_url=url("screening_export"),
            screening_import_url=url("screening_import"),
            audit=AuditLog.objects.filter(ceremony=ceremony)[:20],
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


class ScreeningExportView(CeremonyMixin, View):
    any_permission_required = None
    permission_required = "change"

    def get(self, request, *args, **kwargs):
        content = screening_export_csv(ceremony=self.ceremony, user=request.user)
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="screening-{self.ceremony.pk}-{stamp}.csv"'
        )
        add_never_cache_headers(response)  # identity data: keep it out of every cache
        return response


class ScreeningImportView(ActionFormView):
    form_class = ScreeningImportForm
    page_title = gettext_lazy("Import screening decisions")
    submit_label = gettext_lazy("Import the decisions")
    intro = [
        gettext_lazy(
            "The file is checked whole before anything is recorded: if one line is wrong, "
            "no decision is recorded and every wrong line is listed. Lines with an empty "
            "decision are left pending. A refusal frees the seats for the waiting list."
        )
    ]

    def form_valid(self, form):
        result = screening_import_csv(
            ceremony=self.ceremony, content=form.cleaned_data["file"].read(), user=self.request.user
        )
        if not result.ok:
            messages.error(
                self.request,
                ngettext(
                    "The file was not imported: %(count)s line is wrong.",
                    "The file was not imported: %(count)s lines are wrong.",
                    len(result.errors),
                )
                % {"count": len(result.errors)},
            )
            return self.render_to_response(
                self.get_context_data(form=form, line_errors=result.errors)
            )
        messages.success(
            self.request,
            _(
                "Decisions recorded: %(approved)s approved, %(refused)s refused, "
                "%(unchanged)s unchanged, %(undecided)s still pending."
            )
            % {
                "approved": result.approved,
                "refused": result.refused,
                "unchanged": result.unchanged,
                "undecided": result.undecided,
            },
        )
        return redirect(self.ceremony_url)


class CeremonyToolsViewSet(ViewSet):
    name = "registrations_ceremonies"
    url_prefix = "registrations/ceremonies"
    icon = "calendar-check"
    menu_label = gettext_lazy("Ceremonies")

    @cached_property
    def menu_item_class(self):
        class CeremoniesMenuItem(MenuItem):
            def is_shown(self, request):
                return _can_view(request.user)

        return CeremoniesMenuItem

    def get_urlpatterns(self):
        return [
            path("", CeremonyIndexView.as_view(), name="index"),
            path("<int:pk>/", CeremonyDetailView.as_view(), name="detail"),
            path("<int:pk>/message/", MessageAllView.as_view(), name="message"),
            path("<int:pk>/draw/", DrawView.as_view(), name="draw"),
            path(
                "<int:pk>/screening/export/",
                ScreeningExportView.as_view(),
                name="screening_export",
            ),
            path(
                "<int:pk>/screening/import/",
                ScreeningImportView.as_view(),
                name="screening_import",
            ),
        ]


def _can_view(user) -> bool:
    return user.has_perm("registrations.view_registration") or user.has_perm(
        "registrations.change_registration"
    )


# --- Views: registrations ---------------------------------------------------------


class RegistrationIndexView(IndexView):
    """The list: filters, search, counts for the filtered ceremony, CSV export."""

    any_permission_required = ["view", "change"]
    FORMATS = (IndexView.FORMAT_CSV,)  # no XLSX: one format to audit and to sanitise

    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("ceremony", "checkin")
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
            audit_write(
                user=self.request.user,
                action="registrations_export",
                ceremony=self.filtered_ceremony,
                detail=f"{context['object_list'].count()} rows; {query.urlencode()}",
            )
        return super().render_to_response(context, **response_kwargs)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class RegistrationDetailView(InspectView):
    """One registration with its companions, messages and check-in; viewing identity
    data (birth date, place, nationality) is audit-logged."""

    any_permission_required = ["view", "change"]

    def get_object(self, queryset=None):
        return get_object_or_404(
            Registration.objects.select_related("ceremony").prefetch_related("companions"),
            pk=self.pk,
        )

    def get(self, request, *args, **kwargs):
        if has_identity_data(self.object):
            audit_write(
                user=request.user,
                action="registration_view",
                ceremony=self.object.ceremony,
                detail=self.object.reference,
            )
        return super().get(request, *args, **kwargs)

    def get_fields_context(self):
        return [f for f in super().get_fields_context() if f["value"] not in (None, "")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        registration = self.object
        can_change = self.user_has_permission("change")
        context.update(
            companions=registration.companions.all(),
            outbox=registration.messages.order_by("created_at", "pk"),
            checkin=getattr(registration, "checkin", None),
            can_change=can_change,
            is_active=registration.status in Registration.ACTIVE,
            cancel_url=reverse("registrations_admin:cancel", args=[quote(registration.pk)]),
            revoke_url=reverse("registrations_admin:revoke", args=[quote(registration.pk)]),
            ceremony_url=reverse(
                "registrations_ceremonies:detail", args=[registration.ceremony_id]
            ),
        )
        return context


class RegistrationActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView):
    model = Registration
    permission_required = "change"
    template_name = "registrations/admin/action_form.html"
    header_icon = "user"
    submit_label = ""
    intro: list[str] = []

    @cached_property
    def registration(self) -> Registration:
        return get_object_or_404(
            Registration.objects.select_related("ceremony"), pk=self.kwargs["pk"]
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


class RegistrationViewSet(ModelViewSet):
    """Registrations are changed only through the services: no add, edit, copy or
    delete view; the detail (inspect) view leads to the staff actions."""

    model = Registration
    name = "registrations_admin"  # "registrations" is the public URLs' namespace
    url_prefix = "registrations"
    icon = "user"
    menu_label = gettext_lazy("All registrations")
    index_view_class = RegistrationIndexView
    inspect_view_class = RegistrationDetailView
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    index_results_template_name = "registrations/admin/index_results.html"
    inspect_template_name = "registrations/admin/registration_detail.html"
    ordering = "-created_at"
    list_per_page = 50
    list_display = [
        "reference",
        "surname",
        "given_name",
        "email",
        "ceremony",
        "status",
        "screening",
        "seats",
        "waitlist_position",
        Column("checked_in", label=gettext_lazy("Checked in"), accessor=checked_in_at),
        "created_at",
    ]
    list_filter = ["ceremony", "status", "screening"]
    search_fields = ["reference", "surname", "given_name", "email"]
    search_backend_name = None  # plain database lookups (icontains)
    # Names and email only: identity data leaves through the screening export alone.
    list_export = [
        "reference",
        "ceremony",
        "surname",
        "given_name",
        "email",
        "language",
        "seats",
        "companions",
        "status",
        "screening",
        "waitlist_position",
        "created_at",
        "checked_in_at",
        "badge_revoked_at",
    ]
    export_headings = {
        "companions": gettext_lazy("Companions"),
        "checked_in_at": gettext_lazy("Checked in at"),
        "ceremony": gettext_lazy("Ceremony"),
    }
    export_filename = "registrations"
    inspect_view_fields = [
        "reference",
        "ceremony",
        "status",
        "screening",
        "language",
        "email",
        "surname",
        "given_name",
        "birth_date",
        "birth_place",
        "nationality",
        "seats",
        "waitlist_position",
        "offered_until",
        "created_at",
        "updated_at",
        "badge_revoked_at",
        "erased_at",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # No create, edit, delete, history or usage view: never link to them.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/cancel/", RegistrationCancelView.as_view(), name="cancel"),
            path("<int:pk>/revoke/", BadgeRevokeView.as_view(), name="revoke"),
        ]

    @property
    def url_finder_class(self):
        return type(
            "RegistrationURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration),
            codename__in=["view_registration", "change_registration"],
        )


class RegistrationsMenuGroup(ViewSetGroup):
    menu_label = gettext_lazy("Registrations")
    menu_icon = "group"
    menu_order = 250
    items = (CeremonyToolsViewSet, RegistrationViewSet)
