from django.apps import AppConfig


class GateConfig(AppConfig):
    name = "liberation.gate"
    label = "gate"
    verbose_name = "Libération: gate"

    def ready(self):
        """Tell registrations what the gate adds to it (registrations imports nothing of
        the gate): the badge link on the management page, the check-ins on the staff
        pages and in the data export, and the check-in permission of the staff group."""
        from liberation.registrations import extensions

        from .badge_views import badge_link
        from .selectors import checkin_counts, checkin_export, checkin_of, with_checkins

        extensions.badge_link_register(badge_link)
        extensions.checkin_source_register(
            extensions.CheckinSource(counts=checkin_counts, of=checkin_of, prefetch=with_checkins)
        )
        # Check-ins are kept at erasure (no `erase`): a time and a gate, about a
        # registration that no longer names anyone, so that attendance counts survive.
        extensions.personal_data_register(
            extensions.PersonalData(key="check_in", export=checkin_export)
        )
        # The check-in app (checkin_views.PERMISSION).
        extensions.staff_permission_register(
            app_label="gate", model="checkin", codename="add_checkin"
        )
