# The ceremony fixture of registrations' tests: screening stands on registrations.
from liberation.registrations.tests.conftest import make_ceremony  # noqa: F401
