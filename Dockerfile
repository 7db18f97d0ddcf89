# Production image: the Django site, its Celery workers and the shipped model.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 curl tesseract-ocr \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 ecg

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=ecg:ecg . .
# collectstatic needs settings that load; nothing here reaches a database or a broker.
RUN DEBUG=false SECRET_KEY=build-only-not-used-at-run-time DATABASE_URL=postgres://build/none \
    python manage.py collectstatic --noinput \
    && chown -R ecg:ecg /app/var

USER ecg
EXPOSE 8000
CMD ["gunicorn", "ecgsite.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
