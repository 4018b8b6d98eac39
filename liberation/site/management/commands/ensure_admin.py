"""Create the first admin account if there is none (used by `make run`).

Credentials come from ADMIN_USERNAME / ADMIN_EMAIL / ADMIN_PASSWORD; without a
password, one is generated and printed once. An existing account is never changed.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin account from the environment if no superuser exists."

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        email = os.environ.get("ADMIN_EMAIL") or "admin@example.org"
        password = os.environ.get("ADMIN_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        if generated:
            self.stdout.write(
                f"Admin account created: {username} / {password} "
                "(shown once; set ADMIN_PASSWORD to choose it)."
            )
        else:
            self.stdout.write(f"Admin account created: {username} (password from ADMIN_PASSWORD).")
