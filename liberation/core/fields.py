"""Model fields shared by the apps."""

from django.db import models


class CounterField(models.PositiveIntegerField):
    """A counter that guards a limit (seats taken, a quota), written only by the service
    that holds the lock, with `QuerySet.update(F(...) ± n)` or its own SQL.

    A model save never writes it, by construction: the UPDATE of an existing row sets
    the column to itself (`SET counter = counter`, evaluated on the row as it is when the
    UPDATE runs), and a new row starts at the default, whatever the instance holds. So
    an admin form, an import, a shell or a data migration (historical models keep the
    field class) that saves a row read before the counter moved cannot write a stale
    value back. `update_fields`, `update_or_create` and `bulk_create` go through the same
    hook; only `QuerySet.update`, `bulk_update` and raw SQL write the column. Not an
    editable form field.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", 0)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        if kwargs.get("default") == 0:
            kwargs.pop("default")
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        if add:
            value = self.get_default()
            setattr(model_instance, self.attname, value)
            return value
        return models.F(self.attname)
