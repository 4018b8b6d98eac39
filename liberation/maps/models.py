"""The Liberation day by day: when a commune (or a département) was liberated.

Editorial reference data, loaded from `liberation/maps/data/liberation_dates.csv` by
`manage.py load_liberation_dates` (see docs/map.md). Each row carries its own point
and its source, so the map works before the commune referential is loaded. A town
liberated in stages (Caen: left bank 9 July, right bank 19 July 1944) has one row per
stage, each with its own stable `key`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LiberationDate(models.Model):
    key = models.SlugField(_("key"), max_length=80, unique=True)
    insee = models.CharField(_("INSEE code"), max_length=5, blank=True, db_index=True)
    departement = models.CharField(_("département"), max_length=3, db_index=True)
    place = models.CharField(_("place"), max_length=150)
    date = models.DateField(_("date of liberation"), db_index=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["date", "place"]
        verbose_name = _("liberation date")
        verbose_name_plural = _("liberation dates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="liberationdate_coordinates_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} ({self.date:%Y-%m-%d})"
