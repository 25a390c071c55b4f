"""The production web server: gunicorn with its ASGI worker, serving config.asgi.

Why ASGI: a student opening a lab watches a server-sent event stream (sandbox.views.progress) for
as long as the lab takes to start (up to HUB_PROGRESS_TIMEOUT_SECONDS of silence, minutes on a
fresh Kubernetes node). Under WSGI each stream holds a worker (sync) or a thread (gthread) for its
whole life: with 4 sync workers four students stalled the site and gunicorn's timeout killed every
stream. Under ASGI the stream is an async iterator on the worker's event loop: it holds no thread,
so any number of open streams leave the workers free; ordinary (sync) views run in Django's
per-request threads. gunicorn's own ASGI worker (gunicorn >= 24, already in the lock) needs no
extra package.

Every value can be overridden from the environment (and `gunicorn -c deploy/gunicorn.conf.py
--workers 2 ...` on the command line wins over both).
"""

import multiprocessing
import os

bind = os.environ.get("WEB_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
worker_class = "asgi"
# One event loop per core is the ASGI rule of thumb; two at least, so a crash never empties the site.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
# Open connections per worker (event-stream clients included) before new ones wait.
worker_connections = int(os.environ.get("WEB_WORKER_CONNECTIONS", "1000"))
# A worker whose event loop is blocked this long is restarted. Streams do not count (they await);
# longer than the longest lab start all the same, so a slow start is never cut by the server.
timeout = int(os.environ.get("WEB_TIMEOUT", "360"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# Django's ASGI handler does not implement the lifespan protocol.
asgi_lifespan = "off"
# Recycle workers now and then (bounded memory over weeks), staggered.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "500"))
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
# Behind the TLS proxy: trust its X-Forwarded-* only from the addresses listed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
wsgi_app = "config.asgi:application"
