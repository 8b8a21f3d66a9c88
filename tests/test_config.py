"""Configuration from the environment (backend/config.py)."""

import os
import stat

import pytest
from helpers import add_user

from backend import create_app
from backend.config import ConfigError, load_config


def test_production_refuses_to_start_without_an_explicit_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("JWT_SECRET_KEY")
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        load_config(str(tmp_path))


def test_a_short_secret_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("JWT_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        load_config(str(tmp_path))


def test_a_generated_secret_is_kept_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("JWT_SECRET_KEY")
    first = load_config(str(tmp_path))["JWT_SECRET_KEY"]
    second = load_config(str(tmp_path))["JWT_SECRET_KEY"]
    assert first == second and len(bytes.fromhex(first)) == 32
    key_file = tmp_path / "jwt-secret.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_environment_variables_set_lifetimes_and_origins(monkeypatch, tmp_path):
    monkeypatch.setenv("ACCESS_TOKEN_TTL", "20")
    monkeypatch.setenv("REFRESH_TOKEN_TTL", "600")
    monkeypatch.setenv("CORS_ORIGINS", "https://app.example, https://b.example")
    config = load_config(str(tmp_path))
    assert config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds() == 20
    assert config["JWT_REFRESH_TOKEN_EXPIRES"].total_seconds() == 600
    assert config["CORS_ORIGINS"] == ["https://app.example", "https://b.example"]


@pytest.mark.parametrize(
    "name,value",
    [("ACCESS_TOKEN_TTL", "soon"), ("ACCESS_TOKEN_TTL", "0"), ("COOKIE_SECURE", "maybe")],
)
def test_nonsense_settings_are_refused_with_their_name(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


def test_database_url_selects_the_database(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_config(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == url


def test_create_app_uses_test_config_over_the_environment(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite"})
    assert app.testing


def test_cookie_domain_scopes_both_cookies_to_sibling_hosts(monkeypatch, app_factory):
    monkeypatch.setenv("COOKIE_DOMAIN", "example.com")
    app = app_factory()
    add_user(app, "u", "p")
    response = app.test_client().post("/auth/login", json={"username": "u", "password": "p"})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2
    assert all("Domain=example.com" in cookie for cookie in cookies)


def test_cookies_are_host_only_by_default(client):
    response = client.post("/auth/login", json={"username": "demo", "password": "password"})
    assert not any("Domain=" in cookie for cookie in response.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize(
    "name,value",
    [
        ("APP_ENV", "prod"),
        ("APP_ENV", "Prodution"),
        ("APP_ENV", "staging"),
        ("LOGIN_RATE_LIMIT", "lots"),
        ("LOGIN_RATE_LIMIT", "10 per fortnight"),
        ("REFRESH_TOKEN_TTL", "1h"),
        ("SESSION_MAX_AGE", "-1"),
        ("REFRESH_DELAY_MS", "fast"),
        ("REFRESH_REUSE_GRACE_S", "five"),
        ("REAUTH_MAX_AGE", "0"),
        ("REAUTH_MAX_AGE", "86401"),
        ("REAUTH_MAX_AGE", "15m"),
        ("TRUSTED_PROXY_COUNT", "yes"),
        ("REQUEST_LOG", "loud"),
        ("CORS_ORIGINS", "*"),
        ("CORS_ORIGINS", "localhost:8000"),
        ("CORS_ORIGINS", "http://a.example/app"),
        ("COOKIE_DOMAIN", "exa mple.com"),
        ("DATABASE_URL", "not a url"),
        ("RATELIMIT_STORAGE_URI", "redis//localhost"),
        ("JWT_SECRET_KEY", " " * 40),
        ("JWT_SECRET_KEY", "a" * 40),
        ("JWT_SECRET_KEY", " padded-but-otherwise-a-fine-random-key-123 "),
    ],
)
def test_an_unknown_or_misspelt_value_stops_start_up_naming_the_variable(
    monkeypatch, tmp_path, name, value
):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


@pytest.mark.parametrize("value", ["production", "Production", "PRODUCTION"])
def test_app_env_is_read_case_insensitively(monkeypatch, tmp_path, value):
    monkeypatch.setenv("APP_ENV", value)
    config = load_config(str(tmp_path))
    assert config["APP_ENV"] == "production" and config["JWT_COOKIE_SECURE"] is True


def test_an_empty_key_file_stops_start_up_with_a_message(monkeypatch, tmp_path):
    monkeypatch.delenv("JWT_SECRET_KEY")
    (tmp_path / "jwt-secret.key").write_text("")  # a crash between create and write
    with pytest.raises(ConfigError, match="jwt-secret.key"):
        load_config(str(tmp_path))


def test_the_app_refuses_to_start_on_a_bad_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "lots")
    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite"})


def test_engine_options_ping_pooled_connections_before_use(app):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
