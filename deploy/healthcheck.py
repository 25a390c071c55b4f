"""Container healthcheck: exit 0 when ``URL`` answers 200 (standard library only, no curl in the images).

    python deploy/healthcheck.py http://127.0.0.1:8000/healthz

The request looks like one from the TLS proxy: the site's own host name (the first of
DJANGO_ALLOWED_HOSTS) and ``X-Forwarded-Proto: https``, so it passes the host check and the HTTPS
redirect even where the probe paths were not exempted; redirects are never followed.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def main() -> int:
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/healthz"
    host = (os.environ.get("DJANGO_ALLOWED_HOSTS") or "").split(",")[0].strip().lstrip(".")
    headers = {"X-Forwarded-Proto": "https"}
    if host and ":8001/" not in url:  # the hub checks no Host; the site does
        headers["Host"] = host
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- a fixed http(s) URL from the compose file
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=8) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthcheck: {url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
