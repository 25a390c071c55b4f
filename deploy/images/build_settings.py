"""Settings for the image build steps (collectstatic, check): production, with no production secret.

The production settings refuse to load without a secret key, allowed hosts, a database URL and
the OIDC signing key, and a build must never see any of them (an image is not a secret store).
This module sets build-only placeholders, unconditionally (a real secret present in the build
environment is never used), then loads the production settings. Nothing made with them survives the
build: no database is opened (an in-memory SQLite at most), nothing is signed, no key is written.

    DJANGO_SETTINGS_MODULE=build_settings PYTHONPATH=deploy/images:.:platform python manage.py collectstatic
"""

import os

BUILD_ONLY = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "build-only-not-a-secret-" + "0" * 40,
    "DJANGO_ALLOWED_HOSTS": "build.invalid",
    "DATABASE_URL": "sqlite://:memory:",
    "OIDC_RSA_PRIVATE_KEY": "build-only: no key",
    "HUB_API_TOKEN": "",
    "REDIS_URL": "",
    "SENTRY_DSN": "",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}
os.environ.update(BUILD_ONLY)

from config.settings import *  # noqa: E402, F403
