"""URL converters. Importing this module registers them (once per process).

`<id:name>`: a database primary key, 1 to 2**63 - 1 (a BigAutoField). A longer number
does not match the URL, which then answers 404, instead of reaching the database and
failing there ("Python int too large to convert to SQLite INTEGER", a 500).
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class DatabaseIdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not a database id")  # no match: the URL answers 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(DatabaseIdConverter, "id")
