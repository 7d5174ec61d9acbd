# Production image: gunicorn serves Django (static files through WhiteNoise); the same image runs
# the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_ENV=production
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app
WORKDIR /app
COPY . .
# The project is run from /app; installing it brings its dependencies from pyproject.toml.
RUN pip install . \
 && SECRET_KEY=build ALLOWED_HOSTS=build python manage.py collectstatic --noinput \
 && mkdir -p /app/media && chown -R app:app /app/media
USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
