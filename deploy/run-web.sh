#!/bin/sh
# The production web server, the one command every layout uses (images, compose, Kubernetes,
# Procfile.production, the README): gunicorn's ASGI worker with deploy/gunicorn.conf.py.
# Extra arguments go to gunicorn (e.g. --bind 127.0.0.1:8000).
set -e
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
export PYTHONPATH="$here:$here/platform${PYTHONPATH:+:$PYTHONPATH}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings}"
exec "${PYTHON:-python}" -m gunicorn -c deploy/gunicorn.conf.py "$@"
