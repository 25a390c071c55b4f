# The hub image for Zero to JupyterHub (deploy/jupyterhub/values.yaml hub.image): the packages of
# the chart's own hub image (quay.io/jupyterhub/k8s-hub, images/hub/ in zero-to-jupyterhub-k8s 4.4.0)
# with the lock's jupyterhub, oauthenticator, idle culler and psycopg, so the hub and the
# single-user servers (deploy/images/singleuser.Dockerfile) run the same JupyterHub version.
# The chart mounts its jupyterhub_config.py and z2jh.py into /usr/local/etc/jupyterhub/.
#   docker build -f deploy/images/k8s-hub.Dockerfile -t registry.lab.example.edu/liangzhi/k8s-hub:2026.11 .
# `make prove-images` runs every RUN step in a clean Debian bookworm root filesystem.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}
ARG KUBESPAWNER_VERSION=7.0.0
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 1000 --home-dir /home/jovyan --shell /bin/bash jovyan
# libcurl for pycurl (the chart's config makes tornado use curl), libpq5 unused with psycopg's
# binary wheel, tini as PID 1 like the chart's image.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 tini \
 && rm -rf /var/lib/apt/lists/*
COPY requirements-runtime.lock /tmp/requirements-runtime.lock
# The shared packages at the lock's pins (-c), kubespawner at the chart's version; pycurl needs a
# compiler and libcurl's headers only for the build, removed in the same step.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libcurl4-openssl-dev libssl-dev \
 && pip install --no-cache-dir -c /tmp/requirements-runtime.lock \
      "$(grep '^jupyterhub==' /tmp/requirements-runtime.lock)" \
      "$(grep '^oauthenticator==' /tmp/requirements-runtime.lock)" \
      "$(grep '^jupyterhub-idle-culler==' /tmp/requirements-runtime.lock)" \
      "$(grep '^psycopg==' /tmp/requirements-runtime.lock)" "$(grep '^psycopg-binary==' /tmp/requirements-runtime.lock)" \
      "jupyterhub-kubespawner==${KUBESPAWNER_VERSION}" pycurl \
 && apt-get purge -y gcc libc6-dev libcurl4-openssl-dev libssl-dev && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* /tmp/requirements-runtime.lock \
 && pip check \
 && python -c "import jupyterhub, kubespawner, kubernetes_asyncio, oauthenticator, psycopg, pycurl; print(jupyterhub.__version__)"
# The rule that only the site starts labs (deploy/jupyterhub/values.yaml hub.extraConfig), the same
# file the local hub uses; standard library only.
COPY sandbox/hub/site_only.py /usr/local/lib/python3.11/site-packages/liangzhi_site_only.py
RUN python -c "import liangzhi_site_only; liangzhi_site_only.pre_spawn_hook('liangzhi-site')"
WORKDIR /srv/jupyterhub
RUN chown jovyan /srv/jupyterhub
USER jovyan
EXPOSE 8081
ENTRYPOINT ["tini", "--"]
CMD ["jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py"]
