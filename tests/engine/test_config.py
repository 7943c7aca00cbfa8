"""Settings: the file for everything, the environment for secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, DigestSettings, default_config_path, load_settings
from tests.engine.conftest import REPO


def test_defaults_without_file_or_environment() -> None:
    """No file and an empty environment give working defaults and no token."""
    settings = load_settings(None, {})
    assert settings.token is None
    assert settings.telegram.mode == "polling"
    assert settings.storage.path == "data/questions.sqlite3"


def test_secrets_come_from_the_given_environment() -> None:
    """The token, webhook secret and hash salt are read from the mapping passed in."""
    settings = load_settings(
        None,
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret",
            "BOT_USER_HASH_SALT": "pepper",
        },
    )
    assert (settings.token, settings.webhook_secret, settings.user_hash_salt) == (
        "123:abc",
        "s3cret",
        "pepper",
    )
    assert "123:abc" not in repr(settings)


def test_token_in_the_file_is_refused(tmp_path: Path) -> None:
    """A token written into the config file is an error pointing at the environment."""
    config = tmp_path / "config.yaml"
    config.write_text("token: 123:abc\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="secrets come from the environment"):
        load_settings(config, {})


def test_wrong_types_and_unknown_keys(tmp_path: Path) -> None:
    """A setting of the wrong type or an unknown name is reported with its path."""
    config = tmp_path / "config.yaml"
    config.write_text("limits:\n  questions_per_minute: lots\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.limits\.questions_per_minute: expected int"):
        load_settings(config, {})
    config.write_text("storage:\n  pth: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.storage\.pth: unknown setting"):
        load_settings(config, {})


def test_webhook_mode_needs_a_url(tmp_path: Path) -> None:
    """Webhook mode without a public URL is refused at start-up, not at the first update."""
    config = tmp_path / "config.yaml"
    config.write_text("telegram:\n  mode: webhook\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"webhook\.url: required"):
        load_settings(config, {})


def test_the_example_config_documents_every_setting_and_loads() -> None:
    """config.example.yaml loads as it is and names every setting the loader knows."""
    example = REPO / "config.example.yaml"
    settings = load_settings(example, {})
    text = example.read_text(encoding="utf-8")
    for name in (
        "mode",
        "base_url",
        "base_file_url",
        "poll_interval",
        "url",
        "listen",
        "port",
        "questions_per_minute",
        "max_question_chars",
        "max_upload_bytes",
        "retention_days",
        "flush_interval_seconds",
        "history_path",
        "watch_interval_seconds",
        "cache_path",
        "admins",
        "log_level",
        "max_heartbeat_age_seconds",
        "schedule",
        "time",
        "weekday",
    ):
        assert f"{name}:" in text, name
    assert settings.token is None
    assert settings.digest == DigestSettings()


def test_digest_settings_are_read_and_checked(tmp_path: Path) -> None:
    """digest: off by default; a bare YAML off is the word; schedule, time, weekday checked."""
    assert load_settings(None, {}).digest.schedule == "off"
    config = tmp_path / "config.yaml"
    config.write_text("digest:\n  schedule: off\n", encoding="utf-8")
    assert load_settings(config, {}).digest.schedule == "off"
    config.write_text(
        'digest:\n  schedule: weekly\n  time: "18:30"\n  weekday: fri\n', encoding="utf-8"
    )
    digest = load_settings(config, {}).digest
    assert (digest.schedule, digest.hour_minute, digest.weekday) == ("weekly", (18, 30), "fri")
    for bad, field in (
        ("schedule: hourly", "schedule"),
        ('time: "9:00"', "time"),
        ('time: "24:00"', "time"),
        ("weekday: friday", "weekday"),
    ):
        config.write_text(f"digest:\n  {bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"config\.digest\.{field}: expected"):
            load_settings(config, {})


def test_heartbeat_age_setting_is_read_and_checked(tmp_path: Path) -> None:
    """health.max_heartbeat_age_seconds: 120 s by default, a number, never negative."""
    assert load_settings(None, {}).health.max_heartbeat_age_seconds == 120.0
    config = tmp_path / "config.yaml"
    config.write_text("health:\n  max_heartbeat_age_seconds: 45\n", encoding="utf-8")
    assert load_settings(config, {}).health.max_heartbeat_age_seconds == 45.0
    config.write_text("health:\n  max_heartbeat_age_seconds: 0\n", encoding="utf-8")
    assert load_settings(config, {}).health.max_heartbeat_age_seconds == 0.0
    config.write_text("health:\n  max_heartbeat_age_seconds: -5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"max_heartbeat_age_seconds: must not be negative"):
        load_settings(config, {})
    config.write_text("health:\n  max_heartbeat_age_seconds: soon\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config\.health\.max_heartbeat_age_seconds: expected"):
        load_settings(config, {})


def test_default_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit path wins; otherwise config.yaml is used only when it exists."""
    monkeypatch.chdir(tmp_path)
    assert default_config_path(None) is None
    (tmp_path / "config.yaml").write_text("{}\n", encoding="utf-8")
    assert default_config_path(None) == Path("config.yaml")
    assert default_config_path("other.yaml") == Path("other.yaml")
