"""The docs page works offline: every asset it references is served by the
app itself (bundled Swagger UI), with long caching and a CSP that allows only
this origin. No servers needed: the docs page touches no store."""
from __future__ import annotations

import re

import pytest

from socialgraph.app import create_app
from socialgraph.http import docs_assets


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True, "RATELIMIT_ENABLED": False}).test_client()


def test_docs_page_loads_only_bundled_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(refs) == 3 and all(r.startswith(docs_assets.assets_url()) for r in refs), refs
    assert "http://" not in html and "https://" not in html  # nothing from another origin
    assert '"validatorUrl": null' in html
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline';" in csp and "https:" not in csp and "http:" not in csp
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.data) > 10_000, ref
        assert asset.mimetype in ("text/css", "text/javascript", "application/javascript")
        assert asset.headers["Cache-Control"] == f"public, max-age={docs_assets.CACHE_SECONDS}"
        asset.close()
    bundle = client.get(docs_assets.assets_url() + "swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.data
    bundle.close()


def test_bundled_version_is_swagger_ui_5_and_no_listing(client):
    assert docs_assets.swagger_ui_version().startswith("5.")
    assert client.get(docs_assets.assets_url()).status_code == 404
    assert client.get(docs_assets.assets_url() + "../LICENSE").status_code == 404
