"""``docker-compose.yml`` checked without Docker: valid against the Compose
Specification JSON schema (the copy check-jsonschema vendors from
github.com/compose-spec/compose-spec, Apache-2.0), and wired as the README and
the app need: every service named exists, health-ordered start-up, every
secret the app refuses to start without is required, no store port
published, the proxy routes stream upgrades, media and the API."""
from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from socialgraph.core.config import ConfigError, check_production, load_config

REPO = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("api", "stream", "worker", "scheduler")
STORES = ("neo4j", "mongo", "minio", "redis")
CADDYFILE = (REPO / "deploy" / "Caddyfile").read_text()

_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:\?|\?|:-|-|:\+|\+)(?P<arg>(?:[^{}]|\{[^{}]*\})*))?\}")


def interpolate(value, env: dict):
    """Compose's variable interpolation (``${X}``, ``${X:-d}``, ``${X-d}``, ``${X:?e}``, ``${X?e}``,
    ``${X:+r}``, ``${X+r}``, one level of nesting in ``d`` and ``r``);
    a required variable that is missing (or empty for ``:?``) raises ``KeyError`` as compose refuses."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m):
        name, op, arg = m["name"], m["op"], m["arg"]
        have = env.get(name)
        if op == ":?" and not have or op == "?" and have is None:
            raise KeyError(f"{name}: {arg}")
        if op == ":-" and not have or op == "-" and have is None:
            return interpolate(arg, env)
        if op in (":+", "+"):
            return interpolate(arg, env) if (have if op == ":+" else have is not None) else ""
        return have or ""

    return _VAR.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


def dot_env() -> dict:
    """``.env.example`` with every empty secret filled with a random value, as an operator would."""
    env = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            env[k] = v.strip().strip('"') or secrets.token_urlsafe(48)
    return env


def test_valid_against_the_compose_specification():
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json")
                        .read_text())
    assert schema["title"] == "Compose Specification"
    jsonschema.validate(COMPOSE, schema)  # raises with the path of the first error
    # the schema is really applied: an unknown service key is refused
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"services": {"api": {"image": "x", "restartt": "always"}}}, schema)


def test_every_service_the_readme_names_exists():
    readme = (REPO / "README.md").read_text()
    named = set(re.findall(r"`([a-z][a-z0-9-]*)` service", readme))
    assert {"proxy", "stream", "scheduler"} <= named  # the README's deployment section
    assert named <= set(SERVICES), named - set(SERVICES)
    assert set(APP_SERVICES) | set(STORES) | {"proxy"} <= set(SERVICES)


def test_start_up_is_ordered_by_health():
    for name, svc in SERVICES.items():
        # RQ workers (the queue lanes) are depended on by nothing; everything else reports health
        assert "healthcheck" in svc or name.startswith("worker"), f"{name} has no healthcheck"
        for dep, how in (svc.get("depends_on") or {}).items():
            assert how == {"condition": "service_healthy"}, (name, dep, how)
            assert "healthcheck" in SERVICES[dep]
    # the schema is made by the API (`db init`) before anything that uses it starts
    for name in ("stream", "worker", "scheduler"):
        assert "api" in SERVICES[name]["depends_on"], name
    assert {"api", "stream", "minio"} <= set(SERVICES["proxy"]["depends_on"])


def test_the_app_starts_with_a_filled_env_file_and_refuses_without_secrets():
    env = dot_env()
    for name in APP_SERVICES:
        environment = interpolate(SERVICES[name]["environment"], env)
        cfg = load_config({k: str(v) for k, v in environment.items()})
        check_production(cfg)  # raises ConfigError on a development or weak secret
        assert cfg["ENV_MODE"] == "production"
    # each secret production needs is required by compose itself (no silent empty value)
    for secret in ("SG_SECRET_KEY", "SG_JWT_SECRET", "SG_BOLT_PASSWORD", "SG_S3_SECRET_KEY",
                   "SG_PUBLIC_BASE_URL"):
        with pytest.raises(KeyError, match=secret):
            interpolate(SERVICES["api"]["environment"], {**env, secret: ""})
    # and the app's own check still stands behind it
    weak = interpolate(SERVICES["api"]["environment"], {**env, "SG_JWT_SECRET": "short"})
    with pytest.raises(ConfigError, match="SG_JWT_SECRET"):
        check_production(load_config({k: str(v) for k, v in weak.items()}))


def test_only_the_proxy_is_published_and_stores_are_internal():
    published = {name for name, svc in SERVICES.items() if svc.get("ports")}
    assert published == {"proxy"}
    assert COMPOSE["networks"]["backend"]["internal"] is True
    for store in STORES:
        assert SERVICES[store]["networks"] == ["backend"], store
    ports = [str(p) for p in SERVICES["proxy"]["ports"]]
    assert any(p.endswith(":443:443") for p in ports) and any(p.endswith(":80:80") for p in ports)


def test_media_urls_are_signed_for_the_origin_the_proxy_serves():
    env = {**dot_env(), "SG_MASTODON_HOST": ""}  # optional: no second site name
    app_env = interpolate(SERVICES["api"]["environment"], env)
    proxy_env = interpolate(SERVICES["proxy"]["environment"], env)
    assert app_env["SG_S3_PUBLIC_ENDPOINT"] == app_env["SG_PUBLIC_BASE_URL"] == proxy_env["SG_SITE_ADDRESS"]
    assert app_env["SG_S3_ENDPOINT"] == "http://minio:9000"  # the app's own calls stay internal
    assert proxy_env["SG_S3_BUCKET"] == app_env["SG_S3_BUCKET"]
    assert proxy_env["SG_S3_UPSTREAM"] == "minio:9000"
    assert app_env["SG_TRUSTED_PROXY_HOPS"] == 1  # exactly the Caddy hop
    assert "w=majority" in app_env["SG_MONGO_URI"]  # acknowledged writes survive a failover
    assert "readPreference=primary" in app_env["SG_MONGO_URI"]  # requests read their own writes
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in SERVICES["proxy"]["volumes"]


def test_the_mastodon_host_is_one_more_name_of_the_proxy_site():
    """SG_MASTODON_HOST set: Caddy serves (and certifies) that name too, and the app
    routes its requests to the Mastodon API; unset: one name, the API under /mastodon."""
    env = {**dot_env(), "SG_MASTODON_HOST": "mastodon.example.com"}
    app_env = interpolate(SERVICES["api"]["environment"], env)
    proxy_env = interpolate(SERVICES["proxy"]["environment"], env)
    assert app_env["SG_MASTODON_HOST"] == "mastodon.example.com"
    assert proxy_env["SG_SITE_ADDRESS"] == app_env["SG_PUBLIC_BASE_URL"] + ", https://mastodon.example.com"
    assert interpolate(SERVICES["stream"]["environment"], env)["SG_MASTODON_HOST"] == "mastodon.example.com"


def test_stream_and_scheduler_services():
    stream = SERVICES["stream"]["command"]
    assert stream[0] == "gunicorn" and stream[stream.index("--worker-class") + 1] == "gevent"
    bind = stream[stream.index("--bind") + 1]
    proxy_env = SERVICES["proxy"]["environment"]
    assert bind == f"0.0.0.0:{proxy_env['SG_STREAM_PORT']}" and proxy_env["SG_STREAM_HOST"] == "stream"
    assert int(stream[stream.index("--worker-connections") + 1]) >= 10_000
    assert SERVICES["stream"]["ulimits"]["nofile"]["soft"] >= 20_000
    assert "gevent==" in (REPO / "requirements.txt").read_text()  # the image installs it
    assert SERVICES["scheduler"]["command"] == ["socialgraph", "scheduler"]
    for name in APP_SERVICES:
        assert SERVICES[name]["environment"]["SG_SCHEDULER"] == "service", name


def test_proxy_routes_stream_upgrades_media_and_api():
    stream = re.search(r"@stream \{(.*?)\}", CADDYFILE, re.S).group(1)
    assert "path /api/v1/stream" in stream
    assert "header Connection *Upgrade*" in stream and "header Upgrade websocket" in stream
    assert re.search(r"handle @stream \{\s*reverse_proxy \{.*?dynamic a \{\$SG_STREAM_HOST:stream\}", CADDYFILE, re.S)
    assert re.search(r"@media path /\{\$SG_S3_BUCKET:socialgraph-media\} /\{\$SG_S3_BUCKET:socialgraph-media\}/\*"
                     r"\s+handle @media \{.*?reverse_proxy \{\$SG_S3_UPSTREAM",
                     CADDYFILE, re.S)
    assert "strip_prefix" not in CADDYFILE and "uri " not in CADDYFILE  # signatures cover the path
    assert re.search(r"handle \{.*?dynamic a \{\$SG_API_HOST:api\}", CADDYFILE, re.S)


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_accepts_the_caddyfile():
    out = subprocess.run(["caddy", "adapt", "--config", str(REPO / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "SG_SITE_ADDRESS": "social.example.org"},
                         timeout=60)
    assert out.returncode == 0, out.stderr
    config = json.loads(out.stdout)
    text = json.dumps(config)
    assert '"websocket"' in text and '"/api/v1/stream"' in text and '"social.example.org"' in text


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_caddy_serves_the_mastodon_host_in_the_same_site():
    """The value compose builds with SG_MASTODON_HOST set is two addresses of one site."""
    out = subprocess.run(["caddy", "adapt", "--config", str(REPO / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin",
                              "SG_SITE_ADDRESS": "https://social.example.org, https://mastodon.example.org"})
    assert out.returncode == 0, out.stderr
    routes = json.loads(out.stdout)["apps"]["http"]["servers"]["srv0"]["routes"]
    assert [r.get("match") for r in routes] == [[{"host": ["social.example.org", "mastodon.example.org"]}]]


def test_the_api_runs_few_threads_a_worker_and_the_split_is_configurable():
    """gunicorn gthread 4 x 8 by default (32 threads a worker made the tail: home p95
    68 ms against 50 at 32 clients on 2 cores, BENCHMARKS.md session 5); the split
    follows ``SG_WEB_WORKERS`` / ``SG_WEB_THREADS``; the image's own command agrees."""
    def split(env):
        words = interpolate(SERVICES["api"]["command"][-1], env).split()
        return int(words[words.index("--workers") + 1]), int(words[words.index("--threads") + 1])

    assert split(dot_env()) == (4, 8)
    assert split({**dot_env(), "SG_WEB_WORKERS": "6", "SG_WEB_THREADS": "4"}) == (6, 4)
    cmd = json.loads(re.search(r"^CMD (\[.*?\])", (REPO / "Dockerfile").read_text(), re.S | re.M)[1].replace("\\\n", ""))
    assert (int(cmd[cmd.index("--workers") + 1]), int(cmd[cmd.index("--threads") + 1])) == (4, 8)
