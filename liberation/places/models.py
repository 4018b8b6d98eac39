"""The commune referential: régions, départements and communes of the official
geographic code (COG, INSEE), with a point for each commune where one is known.

Rows are keyed by their INSEE code: two communes may share a name (there are dozens of
Saint-Martin), never a code. The referential is reference data loaded by
`manage.py load_communes` (see docs/places.md), not edited by hand.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    # "01".."95", "2A", "2B", and overseas "971".."976".
    code = models.CharField(_("INSEE code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=120)
    region = models.ForeignKey(
        Region, verbose_name=_("région"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Commune(models.Model):
    insee = models.CharField(_("INSEE code"), max_length=5, primary_key=True)
    name = models.CharField(_("name"), max_length=150)
    # Lower case, accents and punctuation folded: what the autocomplete matches.
    search_name = models.CharField(max_length=150, db_index=True, editable=False)
    departement = models.ForeignKey(
        Departement,
        verbose_name=_("département"),
        on_delete=models.PROTECT,
        related_name="communes",
    )
    postal_codes = models.CharField(_("postal codes"), max_length=255, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        ordering = ["name", "insee"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.departement_id})"


class ReferentialLoad(models.Model):
    """Which version of the referential file was loaded last (see `load_communes`):
    `make run` skips the load when the file has not changed."""

    name = models.CharField(max_length=30, primary_key=True)
    version = models.CharField(max_length=64)
    sources = models.CharField(max_length=255, blank=True)
    communes = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referential load")
        verbose_name_plural = _("referential loads")

    def __str__(self) -> str:
        return f"{self.name} {self.version[:12]}"
