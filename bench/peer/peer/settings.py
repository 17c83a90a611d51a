"""Settings of the benchmark peer (PostgreSQL from PEER_PG_* variables)."""
import os

SECRET_KEY = "peer-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "rest_framework",
                  "rest_framework.authtoken", "social"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "peer.urls"
WSGI_APPLICATION = "peer.wsgi.application"
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ.get("PEER_PG_DB", "peer"),
    "USER": os.environ.get("PEER_PG_USER", "postgres"), "HOST": os.environ.get("PEER_PG_HOST", "127.0.0.1"),
    "PORT": os.environ.get("PEER_PG_PORT", "5432"), "CONN_MAX_AGE": 600,
}}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
