"""Prepare single sign-on between the site and JupyterHub (idempotent; ``make demo`` runs it).

The redirect URI is on the hub's own host name (default http://localhost:8001), never the
site's (http://127.0.0.1:8000): the site's cookies must not reach the hub.

Creates the secrets file the hub reads (OAuth client secret, the site's service token, the
proxy token), registers the hub as the site's OAuth client with its exact redirect URI,
and makes sure the OIDC signing key exists.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

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
        if urlsplit(options["hub_url"]).hostname == urlsplit(settings.SITE_URL).hostname:
            # cookies are per host name: a shared one sends the site's session into every lab
            self.stderr.write(
                f"WARNING: the hub ({options['hub_url']}) and the site ({settings.SITE_URL}) share a host name; "
                "give the hub another one (e.g. http://localhost:8001 beside http://127.0.0.1:8000)."
            )
