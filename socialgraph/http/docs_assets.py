"""Swagger UI for ``/api/v1/docs``, served by the app itself (works offline).

The assets are the ``swagger-ui-dist`` build that the PyPI package
``flask-swagger-ui`` ships (``flask_swagger_ui/dist``, version in its
``VERSION`` file; Apache-2.0), pinned in ``requirements.txt``. They are
served under ``/api/v1/docs/assets/<version>/``: the version in the path lets
browsers cache them for a year (``immutable``), and an upgrade of the package
changes the URL. flask-smorest's docs page loads ``swagger-ui.css``,
``swagger-ui-standalone-preset.js`` and ``swagger-ui-bundle.js`` from
``OPENAPI_SWAGGER_UI_URL``, which defaults to that path (:func:`assets_url`).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from flask import Blueprint, Flask

#: where flask-swagger-ui keeps the swagger-ui-dist files
DIST = Path(str(resources.files("flask_swagger_ui") / "dist"))
#: one year: the path changes with every version
CACHE_SECONDS = 365 * 86400


def swagger_ui_version() -> str:
    """The bundled Swagger UI version without the ``v`` (e.g. ``5.34.0``)."""
    return (DIST / "VERSION").read_text().strip().lstrip("v")


def assets_url() -> str:
    """URL prefix of the bundled assets, ending in ``/``."""
    return f"/api/v1/docs/assets/{swagger_ui_version()}/"


class _ImmutableAssets(Blueprint):
    def get_send_file_max_age(self, filename):
        return CACHE_SECONDS


def init_docs_assets(app: Flask) -> None:
    """Serve :data:`DIST` at :func:`assets_url` (static files only, no directory listing)."""
    bp = _ImmutableAssets("swagger_ui_assets", __name__, static_folder=str(DIST),
                          static_url_path=assets_url().rstrip("/"))
    app.register_blueprint(bp)
