"""The admin's editor of a ceremony's registration settings (a snippet): its create,
copy and edit views save through `services.registration_settings_save`, which locks
the row, refuses a capacity below the seats held, never writes the seat counter and
offers new seats to the waiting list in the same transaction.

The settings live in `events` (below registrations), which cannot import the service:
the snippet is registered from here (`wagtail_hooks.py`).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext
from wagtail.admin import messages
from wagtail.admin.views.generic.models import CopyViewMixin
from wagtail.log_actions import log
from wagtail.snippets.views.snippets import CreateView, EditView, SnippetViewSet

from liberation.events.models import RegistrationSettings

from .services import registration_settings_save


class _SavedByTheService:
    """`save_instance` through the service; its refusals come back as form errors."""

    log_action = ""
    offered: list = []

    def save_instance(self):
        instance = self.form.instance
        self.offered = registration_settings_save(instance=instance)
        log(
            instance=instance,
            action=self.log_action,
            user=self.request.user,
            content_changed=self.form.has_changed(),
        )
        return instance

    def form_valid(self, form):
        try:
            response = super().form_valid(form)  # save_instance runs in its transaction
        except ValidationError as error:  # nothing was saved: the form, with the reason
            form.add_error(None, error)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        if self.offered:
            count = len(self.offered)
            messages.success(
                self.request,
                ngettext(
                    "%(count)s registration on the waiting list was offered seats.",
                    "%(count)s registrations on the waiting list were offered seats.",
                    count,
                )
                % {"count": count},
            )
        return response


class SettingsCreateView(_SavedByTheService, CreateView):
    log_action = "wagtail.create"


class SettingsCopyView(CopyViewMixin, SettingsCreateView):
    pass


class SettingsEditView(_SavedByTheService, EditView):
    log_action = "wagtail.edit"


class RegistrationSettingsViewSet(SnippetViewSet):
    model = RegistrationSettings
    icon = "calendar-alt"
    add_view_class = SettingsCreateView
    copy_view_class = SettingsCopyView
    edit_view_class = SettingsEditView
