# One image for every service of the assistant (Rasa server, action server, API + web page,
# retention job); docker-compose.yml picks the command. See docs/production.md.
#
# NOTE: written for production but not built or run in this repository's CI (the build
# machines have no Docker); every command in it is the one `make run` / the tests use.
#
#   docker build -t tro-ly-thu-tuc .
#
# Stages: the web widget bundle (Node), the Python environment, the trained model, the image.

# --- web widget and staff console bundles: bot/web/vendor/, webapp/staff/static/vendor/ (scripts/build_web.sh, as `make web`) ---
FROM node:20-bookworm-slim AS web
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/build_web.sh scripts/build_web.sh
RUN scripts/build_web.sh

# --- Python environment (Rasa 3.6 needs Python 3.10) ---
FROM python:3.10-slim-bookworm AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

# --- the model, trained on the shipped data and seed catalogue (as `make train`) ---
FROM deps AS model
WORKDIR /app
ENV PYTHONPATH=/app TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false
COPY . .
# The entity linker reads the catalogue while training: a throwaway SQLite copy of the seed.
RUN python -m procedures_db seed \
 && python -m bot train --domain bot/domain --config config.yml --data data \
      --out models --fixed-model-name assistant \
 && rm -rf var .rasa

# --- the image ---
FROM python:3.10-slim-bookworm
RUN useradd --create-home --uid 10001 assistant
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY . .
COPY --from=web /src/bot/web/vendor bot/web/vendor
COPY --from=web /src/webapp/staff/static/vendor webapp/staff/static/vendor
COPY --from=model /app/models/assistant.tar.gz models/assistant.tar.gz
RUN mkdir -p var && chown assistant var
USER assistant
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 RASA_TELEMETRY_ENABLED=false \
    MPLCONFIGDIR=/tmp/matplotlib
EXPOSE 5005 5055 8000
# The Rasa server (`python -m bot`: Rasa with bot/patches); the other services override the command (docker-compose.yml).
CMD ["python", "-m", "bot", "run", "--port", "5005", "--endpoints", "bot/endpoints.yml", \
     "--credentials", "bot/credentials.yml", "--model", "models/assistant.tar.gz", \
     "--logging-config-file", "bot/logging.yml"]
