# The site's images, one Dockerfile, three targets built from requirements-runtime.lock:
#   web     the Django site (gunicorn, ASGI worker): no torch, no bubblewrap, no compiler, no node
#   worker  web + CPU torch + bubblewrap: Celery workers and beat (grading runs student code in sandboxes)
#   hub     worker + Node and configurable-http-proxy: JupyterHub with the local spawner (compose)
# Built from the repository root (.dockerignore keeps .venv, var/, node_modules and secrets out):
#   docker build -f deploy/images/site.Dockerfile --target web    -t liangzhi/web .
#   docker build -f deploy/images/site.Dockerfile --target worker -t liangzhi/worker .
#   docker build -f deploy/images/site.Dockerfile --target hub    -t liangzhi/hub .
# No build step needs a production secret (deploy/images/build_settings.py). `make prove-images`
# runs every RUN step of this file in a clean Debian bookworm root filesystem (deploy/images/prove.py).
# Layer order: every slow step (pip, torch, apt, npm) depends on the lock files only, so a change to
# the code re-runs only `COPY . .`, collectstatic and the import checks; the worker and the hub take
# the web stage's finished /srv/liangzhi with `COPY --from=web` instead of building on top of it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# The Python packages every target shares: the lock without torch.
FROM ${PYTHON_IMAGE} AS deps
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/srv/liangzhi:/srv/liangzhi/platform \
    DJANGO_SETTINGS_MODULE=config.settings \
    LIANGZHI_DATA_DIR=/srv/liangzhi/var \
    STATIC_ROOT=/srv/liangzhi/static
RUN useradd --system --uid 10001 --gid 0 --home-dir /srv/liangzhi --shell /usr/sbin/nologin liangzhi
WORKDIR /srv/liangzhi
COPY requirements-runtime.lock ./
# Everything but torch: the web never imports it (heavy imports stay off the web path, ruff TID253).
RUN grep -v '^torch==' requirements-runtime.lock > /tmp/requirements-web.txt \
 && pip install --no-cache-dir -r /tmp/requirements-web.txt \
 && pip check \
 && rm /tmp/requirements-web.txt

FROM deps AS web
COPY . .
# Static files are baked in (STATIC_ROOT outside the data volume: an upgrade never serves stale
# files), messages compiled, and the settings checked, all without a secret.
RUN chmod 0755 deploy/run-web.sh \
 && DJANGO_SETTINGS_MODULE=build_settings PYTHONPATH=/srv/liangzhi/deploy/images:$PYTHONPATH \
    python manage.py collectstatic --noinput \
 && DJANGO_SETTINGS_MODULE=build_settings PYTHONPATH=/srv/liangzhi/deploy/images:$PYTHONPATH \
    python manage.py check \
 && test -s "$STATIC_ROOT/staticfiles.json" \
 && python -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)" \
 && mkdir -p /srv/liangzhi/var && chown liangzhi:0 /srv/liangzhi/var && chmod 0700 /srv/liangzhi/var
USER liangzhi
EXPOSE 8000
# The production web server, from one place (deploy/run-web.sh, deploy/gunicorn.conf.py).
CMD ["/srv/liangzhi/deploy/run-web.sh"]

# The worker's and the hub's packages: the lock's CPU torch (a tenth of the CUDA build's size) and bubblewrap.
FROM deps AS torch
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" "$(grep '^torch==' requirements-runtime.lock)" \
 && pip check \
 && echo /srv/liangzhi/grading/kernel_lib > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/liangzhi-kernel-lib.pth"

FROM torch AS worker
# The web image's files (the code, the baked static files, the compiled messages), root's as they
# are there (--chown: the same owner whichever rule a builder applies to COPY --from); var/ as there.
COPY --from=web --chown=root:root /srv/liangzhi /srv/liangzhi
RUN chown liangzhi:0 /srv/liangzhi/var \
 && python -c "import torch, qiskit_aer, liangzhi_checks; assert not torch.cuda.is_available()"
# Celery runs as root inside the container: the grading sandbox creates a cgroup and a user
# namespace per job and drops to an unprivileged uid for student code (see deploy/compose.yaml).
CMD ["celery", "-A", "config", "worker", "-Q", "grading,competitions,imports,celery", "--loglevel", "INFO"]

FROM torch AS hub
# configurable-http-proxy at the version package-lock.json pins (npm ci), on Debian's Node.
COPY package.json package-lock.json ./
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/* \
 && npm ci --no-audit --no-fund --omit=dev \
 && node_modules/.bin/configurable-http-proxy --version
COPY --from=web --chown=root:root /srv/liangzhi /srv/liangzhi
RUN chown liangzhi:0 /srv/liangzhi/var \
 && python -c "import torch, qiskit_aer, liangzhi_checks; assert not torch.cuda.is_available()" \
 && jupyterhub --version
EXPOSE 8001
CMD ["jupyterhub", "-f", "sandbox/hub/jupyterhub_config.py"]
