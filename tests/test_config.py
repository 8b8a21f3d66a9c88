"""Configuration from the environment (backend/config.py)."""

import os
import runpy
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from helpers import add_user

from backend import create_app
from backend.config import ConfigError, load_config
from backend.deploy.stack import free_port
from backend.extensions import db

GUNICORN_CONF = Path(__file__).resolve().parents[1] / "backend" / "gunicorn.conf.py"


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


# --- every setting, walked ---------------------------------------------------
#
# Each setting the app or gunicorn.conf.py reads, with values that must stop
# start-up with a message naming it. Every setting also gets the same four
# hostile values (BAD_FOR_EVERY_SETTING); an empty or blank value always
# means the default, as .env.example says.

HUGE = "9" * 20
BAD_FOR_EVERY_SETTING = ["-1", HUGE, "300000000000", "1\n2"]
APP_SETTINGS = {
    "APP_ENV": ["prod", "test"],
    "JWT_SECRET_KEY": ["short", "change-me-to-a-long-random-secret-please"],
    "DATABASE_URL": ["postgres", "mongodb://localhost/db", "mysql://u@localhost/db"],
    "ACCESS_TOKEN_TTL": ["0", "86401", "1.5", "1e3", "1_000", "15m"],
    "REFRESH_TOKEN_TTL": ["0", str(366 * 24 * 3600), "7d"],
    "SESSION_MAX_AGE": ["0", str(366 * 24 * 3600), "forever"],
    "CORS_ORIGINS": [
        "https://*.example.com",
        "https://.*",
        "https://app.example.com\\",
        "https://app.example.com,",
        "http://[::1",
        "http://[fe80::1%eth0]:8000",
        "https://user@app.example.com",
        "https://app.example.com:99999",
        "https://app.example.com#x",
        "ftp://app.example.com",
        "https://-app.example.com",
    ],
    "COOKIE_SECURE": ["maybe", "2"],
    "COOKIE_DOMAIN": ["example.com; SameSite=None; -", "example..com", "exa_mple.com", "a=b"],
    "REFRESH_DELAY_MS": ["10001", "fast"],
    "REFRESH_REUSE_GRACE_S": ["61", "86400", "five"],
    "REAUTH_MAX_AGE": ["0", "86401", "15m"],
    "LOGIN_RATE_LIMIT": ["0 per minute", "1001 per minute", "100 per second", "lots"],
    "RATELIMIT_STORAGE_URI": ["redis//localhost", "redis://localhost:port/0", "file:///tmp/x"],
    "API_PREFIX": ["/api/", "/" + "a" * 64, "api"],
    "TRUSTED_PROXY_COUNT": ["6", "yes"],
    "REQUEST_LOG": ["loud", "2"],
}
GUNICORN_SETTINGS = {
    "GUNICORN_BIND": [":8000", "0.0.0.0", "localhost:0", "localhost:65536", "[::1:8000"],
    "WEB_CONCURRENCY": ["0", "65", "four"],
    "BACKEND_PORT": ["0", "65536", "http"],
}


def walk(settings: dict) -> list:
    return [
        pytest.param(name, value, id=f"{name}={value[:24]!r}")
        for name, malformed in settings.items()
        for value in [*BAD_FOR_EVERY_SETTING, *malformed]
    ]


def gunicorn_settings() -> dict:
    """What gunicorn would read from backend/gunicorn.conf.py now."""
    namespace = runpy.run_path(str(GUNICORN_CONF))
    return {name: namespace[name] for name in ("bind", "workers")}


def test_the_walk_covers_every_setting_the_app_reads(monkeypatch, tmp_path):
    read = set()

    class Recording(dict):
        def get(self, name, default=None):
            read.add(name)
            return super().get(name, default)

    monkeypatch.setattr(os, "environ", Recording(os.environ))
    load_config(str(tmp_path))
    gunicorn_settings()
    assert read == set(APP_SETTINGS) | set(GUNICORN_SETTINGS)


@pytest.mark.parametrize("name", list(APP_SETTINGS))
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_or_blank_setting_means_its_default(monkeypatch, tmp_path, name, value):
    monkeypatch.delenv(name, raising=False)
    default = load_config(str(tmp_path))
    monkeypatch.setenv(name, value)
    assert load_config(str(tmp_path)) == default


@pytest.mark.parametrize("name,value", walk(APP_SETTINGS))
def test_every_setting_refuses_values_outside_its_safe_range(monkeypatch, tmp_path, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


@pytest.mark.parametrize("name", list(GUNICORN_SETTINGS))
@pytest.mark.parametrize("value", ["", "  "], ids=["empty", "blank"])
def test_an_empty_or_blank_gunicorn_setting_means_its_default(monkeypatch, name, value):
    default = gunicorn_settings()
    monkeypatch.setenv(name, value)
    assert gunicorn_settings() == default
    assert default["bind"] == "127.0.0.1:5001" and default["workers"] >= 1


@pytest.mark.parametrize("name,value", walk(GUNICORN_SETTINGS))
def test_gunicorn_refuses_values_outside_their_safe_range(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=name):
        gunicorn_settings()


@pytest.mark.parametrize(
    "name,value,setting",
    [
        ("GUNICORN_BIND", "[::1]:9000", ("bind", "[::1]:9000")),
        ("GUNICORN_BIND", "0.0.0.0:9000", ("bind", "0.0.0.0:9000")),  # only when written out
        ("GUNICORN_BIND", "unix:/run/app.sock", ("bind", "unix:/run/app.sock")),
        ("BACKEND_PORT", "5002", ("bind", "127.0.0.1:5002")),
        ("WEB_CONCURRENCY", " 3 ", ("workers", 3)),
    ],
)
def test_gunicorn_takes_well_formed_values(monkeypatch, name, value, setting):
    monkeypatch.setenv(name, value)
    assert gunicorn_settings()[setting[0]] == setting[1]


@pytest.mark.parametrize(
    "name,value,key,expected",
    [
        ("ACCESS_TOKEN_TTL", "86400", "JWT_ACCESS_TOKEN_EXPIRES", timedelta(days=1)),
        ("REFRESH_TOKEN_TTL", "31536000", "JWT_REFRESH_TOKEN_EXPIRES", timedelta(days=365)),
        ("SESSION_MAX_AGE", "31536000", "SESSION_MAX_AGE", timedelta(days=365)),
        ("REFRESH_REUSE_GRACE_S", "60", "REFRESH_REUSE_GRACE_S", 60),
        ("REFRESH_DELAY_MS", "10000", "REFRESH_DELAY_MS", 10000),
        ("TRUSTED_PROXY_COUNT", "5", "TRUSTED_PROXY_COUNT", 5),
        ("LOGIN_RATE_LIMIT", "1000 per minute", "LOGIN_RATE_LIMIT", "1000 per minute"),
        ("COOKIE_DOMAIN", "Example.COM", "JWT_COOKIE_DOMAIN", "example.com"),
        (
            "CORS_ORIGINS",
            "HTTPS://App.Example.com:443",
            "CORS_ORIGINS",
            ["https://app.example.com"],
        ),
        ("CORS_ORIGINS", "http://[0:0::1]:8000", "CORS_ORIGINS", ["http://[::1]:8000"]),
    ],
)
def test_the_largest_safe_values_start_and_origins_are_written_as_browsers_send_them(
    monkeypatch, tmp_path, name, value, key, expected
):
    monkeypatch.setenv(name, value)
    assert load_config(str(tmp_path))[key] == expected


def test_the_longest_lifetimes_still_give_working_tokens(monkeypatch, app_factory):
    monkeypatch.setenv("ACCESS_TOKEN_TTL", "86400")
    monkeypatch.setenv("REFRESH_TOKEN_TTL", "31536000")
    monkeypatch.setenv("SESSION_MAX_AGE", "31536000")
    app = app_factory()
    add_user(app, "u", "p")
    client = app.test_client()
    assert client.post("/auth/login", json={"username": "u", "password": "p"}).status_code == 200
    csrf = client.get_cookie("csrf_refresh_token").value
    assert client.post("/auth/refresh", headers={"X-CSRF-TOKEN": csrf}).status_code == 200


def test_the_demo_refresh_delay_is_refused_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("REFRESH_DELAY_MS", "800")
    with pytest.raises(ConfigError, match="REFRESH_DELAY_MS"):
        load_config(str(tmp_path))


def test_a_blank_secret_is_no_secret_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET_KEY", " " * 40)
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        load_config(str(tmp_path))


def test_an_ipv6_origin_is_granted_to_itself_and_to_no_look_alike(monkeypatch, app_factory):
    monkeypatch.setenv("CORS_ORIGINS", "http://[::1]:8000,https://app.example.com")
    client = app_factory().test_client()

    def granted(origin: str) -> bool:
        response = client.get("/health", headers={"Origin": origin})
        return response.headers.get("Access-Control-Allow-Origin") == origin

    assert granted("http://[::1]:8000") and granted("https://app.example.com")
    for origin in ("http://[::1]:80001", "https://app.example.com.evil.test", "http://:"):
        assert not granted(origin)


# --- a database that cannot be reached ----------------------------------------


def test_an_sqlite_file_in_a_missing_folder_stops_start_up(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'missing' / 'app.sqlite'}")
    with pytest.raises(ConfigError, match="DATABASE_URL.*does not exist"):
        load_config(str(tmp_path))


def test_a_database_nobody_answers_on_stops_start_up_without_its_password(monkeypatch):
    url = f"postgresql+psycopg://app:hunter2-secret@127.0.0.1:{free_port()}/app"
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError, match="DATABASE_URL: cannot connect") as refused:
        create_app({"TESTING": True})
    assert "hunter2-secret" not in str(refused.value)


def test_a_database_lost_at_run_time_answers_503_not_500(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'app.sqlite'}"})
    add_user(app, "demo", "password")
    with app.app_context():
        db.engine.dispose()  # no connection left open in the pool, as in a fresh worker
    shutil.rmtree(folder)  # the file and its folder are gone: nothing can connect
    client = app.test_client()
    response = client.post("/auth/login", json={"username": "demo", "password": "password"})
    assert response.status_code == 503, response.get_data()
    assert response.json["error"] == "database_unavailable"
    assert response.headers["Retry-After"]
    assert client.get("/health").status_code == 200  # no database needed
