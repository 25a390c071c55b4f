# The site, the Celery worker and beat share one image. Built from the repository root:
#   docker build -f deploy/images/site.Dockerfile -t liangzhi/site .
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/liangzhi
COPY requirements.lock ./
# The CPU build of torch: point TORCH_INDEX_URL at PyTorch's CPU wheel index (or your mirror of it).
ARG TORCH_INDEX_URL
RUN pip install --no-cache-dir "$(grep '^torch==' requirements.lock)" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} \
    && pip install --no-cache-dir -r requirements.lock
COPY . .
ENV PYTHONPATH=/srv/liangzhi:/srv/liangzhi/platform DJANGO_SETTINGS_MODULE=config.settings PYTHONUNBUFFERED=1
RUN echo /srv/liangzhi/grading/kernel_lib > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/liangzhi-kernel-lib.pth" \
    && DJANGO_ENV=development python manage.py compilemessages -l zh_Hans --ignore=node_modules \
    && DJANGO_ENV=production DJANGO_SECRET_KEY=build-only-key-build-only-key-build-only-key-000000 \
       DJANGO_ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 python manage.py collectstatic --noinput
RUN useradd --system --home /srv/liangzhi --shell /usr/sbin/nologin liangzhi && mkdir -p /srv/liangzhi/var && chown liangzhi /srv/liangzhi/var
USER liangzhi
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
