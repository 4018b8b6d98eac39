"""Local development: DEBUG on, a fixed throw-away secret."""

from .base import *  # noqa: F403
from .env import env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret")  # noqa: F405
ALLOWED_HOSTS = ["*"]
