from pathlib import Path

import pytest

from socialgraph.core import errors
from socialgraph.core.config import ConfigError, check_production, load_config
from socialgraph.http.web import _field_errors
from socialgraph.stores.graphdb import DEFAULT_DIR, CypherCatalog


def test_problem_shape():
    exc = errors.ValidationFailed("bad", errors=[{"field": "text", "message": "empty"}])
    body = exc.to_problem(instance="/api/v1/posts")
    assert body == {"type": "/problems/validation-failed", "title": "Validation failed", "status": 422,
                    "detail": "bad", "instance": "/api/v1/posts",
                    "errors": [{"field": "text", "message": "empty"}]}
    assert errors.StoreUnavailable().status == 503
    assert len({c.slug for c in errors.PROBLEM_TYPES.values()}) == len(errors.PROBLEM_TYPES)


def test_webargs_messages_become_field_errors():
    out = _field_errors({"json": {"password": ["Too short."], "profile": {"bio": ["Too long."]}},
                         "query": {"limit": ["Not a valid integer."]}})
    assert {"field": "password", "message": "Too short.", "in": "json"} in out
    assert {"field": "profile.bio", "message": "Too long.", "in": "json"} in out
    assert {"field": "limit", "message": "Not a valid integer.", "in": "query"} in out


def test_production_refuses_default_secrets():
    check_production(load_config({}))  # development: fine
    with pytest.raises(ConfigError) as info:
        check_production(load_config({"SG_ENV": "production"}))
    assert "SG_JWT_SECRET" in str(info.value) and "SG_BOLT_PASSWORD" in str(info.value)
    ok = {"SG_ENV": "production", "SG_JWT_SECRET": "j" * 40, "SG_SECRET_KEY": "s" * 40,
          "SG_BOLT_PASSWORD": "p" * 20, "SG_S3_SECRET_KEY": "k" * 20}
    check_production(load_config(ok))


def test_create_app_refuses_production_defaults(monkeypatch):
    from socialgraph.app import create_app

    monkeypatch.setenv("SG_ENV", "production")
    with pytest.raises(ConfigError):
        create_app()


def test_every_cypher_file_loads_and_uses_parameters_only():
    catalog = CypherCatalog.load()
    files = list(Path(DEFAULT_DIR).rglob("*.cypher"))
    assert len(catalog.names()) == len(files) > 10
    for name in catalog.names():
        text = catalog[name]
        assert "{{" not in text and "%s" not in text and "{0}" not in text, name
    assert catalog.area("schema")


def test_catalog_rejects_bad_names(tmp_path):
    (tmp_path / "Bad Area").mkdir()
    (tmp_path / "Bad Area" / "x.cypher").write_text("RETURN 1")
    with pytest.raises(ValueError):
        CypherCatalog.load(tmp_path)
    with pytest.raises(KeyError):
        CypherCatalog({})["users/nope"]


def test_create_app_does_not_connect():
    from socialgraph.app import create_app

    app = create_app({"BOLT_URI": "bolt://127.0.0.1:1", "MONGO_URI": "mongodb://127.0.0.1:1",
                      "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert app.extensions["socialgraph"]._clients == {}


def test_layering_socialgraph_never_imports_api_or_jobs():
    import ast

    pkg = Path(__file__).resolve().parents[3] / "socialgraph"
    for path in pkg.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for n in names:
                assert n.split(".")[0] not in {"api", "jobs"}, f"{path} imports {n}"
