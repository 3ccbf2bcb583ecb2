# Production image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install . && python manage.py compilemessages --ignore .venv \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --no-input
RUN useradd --system --uid 1000 iotmatch && chown -R iotmatch /app
USER iotmatch
EXPOSE 8000
