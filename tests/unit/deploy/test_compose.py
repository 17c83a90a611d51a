"""``docker-compose.yml`` checked without Docker: valid against the Compose
Specification JSON schema (the copy check-jsonschema vendors from
github.com/compose-spec/compose-spec, Apache-2.0), and wired as the README and
the app need: every service named exists, health-ordered start-up, every
secret the app refuses to start without is required, no store port
published, the proxy routes stream upgrades, media, the API's writes and its
reads to their own services."""
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
APP_SERVICES = ("api", "api-writes", "stream", "worker", "scheduler")
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
    for name in ("api-writes", "stream", "worker", "scheduler"):
        assert "api" in SERVICES[name]["depends_on"], name
    assert {"api", "api-writes", "stream", "minio"} <= set(SERVICES["proxy"]["depends_on"])


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


def _gunicorn_split(service: str, env: dict) -> tuple[int, int]:
    words = interpolate(SERVICES[service]["command"][-1], env).split()
    return int(words[words.index("--workers") + 1]), int(words[words.index("--threads") + 1])


def test_the_writes_pool_is_the_same_app_with_its_own_split_and_a_lower_cpu_share():
    """``api-writes`` (the proxy's POST/PUT/PATCH/DELETE) runs the API's image with the
    API's settings (no state of its own: a write then a read may meet either pool),
    checked healthy the same way, gunicorn split by ``SG_WRITE_WORKERS`` /
    ``SG_WRITE_THREADS``, and a CPU weight below the reads' (``SG_WRITE_CPU_SHARES``);
    the schema is the API's to make (no second ``db init`` racing it)."""
    api, writes = SERVICES["api"], SERVICES["api-writes"]
    env = dot_env()
    for key in ("image", "build", "environment", "networks", "read_only", "tmpfs", "security_opt", "init",
                "restart", "healthcheck", "expose"):
        assert writes[key] == api[key], key
    assert interpolate(writes["environment"], env) == interpolate(api["environment"], env)
    cmd = interpolate(writes["command"][-1], env)
    assert cmd.startswith("exec gunicorn ") and "db init" not in cmd and "wsgi:app" in cmd
    assert "--bind 0.0.0.0:8000" in cmd  # the port the proxy dials (SG_API_WRITES_PORT)
    assert _gunicorn_split("api-writes", env) == (1, 4)
    assert _gunicorn_split("api-writes", {**env, "SG_WRITE_WORKERS": "2", "SG_WRITE_THREADS": "6"}) == (2, 6)
    assert _gunicorn_split("api", env) == (4, 8)  # the reads' own knobs are untouched
    shares = int(interpolate(writes["cpu_shares"], env))
    assert 2 <= shares < int(api["cpu_shares"]) == 1024  # docker's default weight: every other container's
    assert int(interpolate(writes["cpu_shares"], {**env, "SG_WRITE_CPU_SHARES": "512"})) == 512
    for line in ("SG_WRITE_WORKERS", "SG_WRITE_THREADS", "SG_WRITE_CPU_SHARES"):
        assert line in (REPO / ".env.example").read_text(), line
        assert f"`{line}`" in (REPO / "README.md").read_text(), line
    proxy_env = SERVICES["proxy"]["environment"]
    assert proxy_env["SG_API_WRITES_HOST"] == "api-writes" and proxy_env["SG_API_WRITES_PORT"] == "8000"
    assert proxy_env["SG_API_HOST"] == "api"


def _caddy_routes(env: dict) -> list:
    out = subprocess.run(["caddy", "adapt", "--config", str(REPO / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
                         capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "SG_SITE_ADDRESS": "social.example.org", **env})
    assert out.returncode == 0, out.stderr
    site = json.loads(out.stdout)["apps"]["http"]["servers"]["srv0"]["routes"]
    assert len(site) == 1
    return site[0]["handle"][0]["routes"]


def _matches(match: dict, method: str, path: str, headers: dict) -> bool:
    """One Caddy matcher set (the keys this Caddyfile uses: method, path, header) against a request."""
    for key, value in match.items():
        if key == "method" and method not in value:
            return False
        if key == "path" and not any(path == p or p.endswith("*") and path.startswith(p[:-1]) for p in value):
            return False
        if key == "header":
            for name, patterns in value.items():
                got = headers.get(name, "")
                if not any(got == p or p.startswith("*") and p.endswith("*") and p[1:-1] in got for p in patterns):
                    return False
        if key not in ("method", "path", "header"):
            raise AssertionError(f"matcher {key} not understood by this test")
    return True


def _upstream(routes: list, method: str, path: str, headers: dict | None = None) -> str:
    """The upstream of the first ``handle`` route a request matches, as Caddy runs them
    (routes in order; a route without ``match`` matches everything; the ``header``
    directive's route is not terminal)."""
    for route in routes:
        if not route.get("match") or any(_matches(m, method, path, headers or {}) for m in route["match"]):
            text = json.dumps(route)
            if '"reverse_proxy"' not in text:
                continue  # the response-header route: not a handler of its own
            proxy = re.search(r'"dynamic_upstreams": \{[^}]*"name": "([^"]+)"', text) or \
                re.search(r'"upstreams": \[\{"dial": "([^"]+)"', text)
            return proxy[1]
    raise AssertionError(f"{method} {path}: no route")


@pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed")
def test_the_proxy_sends_unsafe_methods_to_the_writes_pool_and_the_rest_to_the_reads():
    """Caddy's own adapted config, walked as Caddy runs it: POST/PUT/PATCH/DELETE of the
    REST API, the Mastodon API (under /mastodon and on its own host: the same paths),
    OAuth and login go to ``api-writes``; GET, HEAD, OPTIONS (CORS preflights) and the
    web client to ``api``; the stream's upgrades and the media bucket (a browser's
    POST-policy upload included) are matched first and unchanged."""
    routes = _caddy_routes({})
    unsafe = ("POST", "PUT", "PATCH", "DELETE")
    api_paths = ("/api/v1/posts", "/api/v1/posts/p1/reaction", "/api/v1/auth/login", "/api/v1/auth/refresh",
                 "/api/v1/media", "/mastodon/api/v1/statuses", "/api/v1/statuses", "/oauth/token",
                 "/mastodon/oauth/token", "/api/v1/users/bob/follow", "/", "/web/app")
    for path in api_paths:
        for method in unsafe:
            assert _upstream(routes, method, path) == "api-writes", (method, path)
        for method in ("GET", "HEAD", "OPTIONS"):
            assert _upstream(routes, method, path) == "api", (method, path)
    upgrade = {"Connection": "keep-alive, Upgrade", "Upgrade": "websocket"}
    for path in ("/api/v1/stream", "/api/v1/streaming", "/mastodon/api/v1/streaming"):
        assert _upstream(routes, "GET", path, upgrade) == "stream", path
        assert _upstream(routes, "GET", path) == "api", path  # no upgrade: the API answers (400)
    for method in ("GET", "POST", "PUT", "DELETE"):
        assert _upstream(routes, method, "/socialgraph-media") == "minio:9000", method
        assert _upstream(routes, method, "/socialgraph-media/u/x.png") == "minio:9000", method
    # both pools are every replica of their service, found through DNS
    assert _upstream(_caddy_routes({"SG_API_WRITES_HOST": "api"}), "POST", "/api/v1/posts") == "api"
