"""Test settings with the discovery app installed (until it is in base.INSTALLED_APPS)."""

from liberation.settings.test import *  # noqa: F403

if "liberation.discovery" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = ["liberation.discovery", *INSTALLED_APPS]  # noqa: F405
