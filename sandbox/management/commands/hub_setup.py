"""Prepare single sign-on between the site and JupyterHub (idempotent; ``make demo`` runs it).

Creates the secrets file the hub reads (OAuth client secret, the site's service token, the
proxy token), registers the hub as the site's OAuth client with its exact redirect URI,
and makes sure the OIDC signing key exists.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.oauth import hub_application_ensure
from sandbox.secrets import hub_secrets_ensure


class Command(BaseCommand):
    help = "Register JupyterHub as the site's OAuth client and write the hub's secrets file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hub-url", default=settings.HUB_URL, help="public address of the hub")

    def handle(self, *args: Any, **options: Any) -> None:
        data = hub_secrets_ensure(path=settings.HUB_SECRETS_FILE)
        redirect = f"{options['hub_url'].rstrip('/')}/hub/oauth_callback"
        hub_application_ensure(redirect_uri=redirect, client_secret=data["client_secret"])
        self.stdout.write(f"Hub OAuth client ready (redirect {redirect}); secrets in {settings.HUB_SECRETS_FILE}")
