from liberation.registrations.tests.conftest import make_ceremony  # noqa: F401
