"""Configuration, read from environment variables only.

Every setting has an ``SG_`` environment variable (see the table in the
README). :func:`load_config` returns a plain dict that ``create_app`` puts
into ``app.config``; tests pass overrides as a dict.
"""
from __future__ import annotations

import os
from datetime import timedelta

#: Secrets that ship with the code; production refuses to start with them.
DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-please-0123456789"
DEV_SECRET_KEY = "dev-only-secret-key-change-me-please-0123456789"
#: Passwords of the local stand-in servers started by ``socialgraph dev``.
DEV_BOLT_PASSWORD = "socialgraph-dev"
DEV_S3_SECRET = "socialgraph-dev-secret"

#: Standard ports; ``socialgraph dev`` starts its local servers on these.
LOCAL_PORTS = {"bolt": 7687, "arcade_http": 2480, "mongo": 27017, "s3": 9000, "redis": 6379}


class ConfigError(RuntimeError):
    """The configuration cannot run in the requested mode."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    return int(raw) if raw not in (None, "") else default


def load_config(env: dict | None = None) -> dict:
    """Build the settings dict from ``env`` (default ``os.environ``).

    Raises :class:`ConfigError` when ``SG_ENV=production`` and a secret is
    left at its development default.
    """
    env = dict(os.environ if env is None else env)
    mode = env.get("SG_ENV", "development")
    cfg = {
        "ENV_MODE": mode,
        "SECRET_KEY": env.get("SG_SECRET_KEY", DEV_SECRET_KEY),
        "JWT_SECRET_KEY": env.get("SG_JWT_SECRET", DEV_JWT_SECRET),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=_int(env, "SG_JWT_ACCESS_SECONDS", 900)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(seconds=_int(env, "SG_JWT_REFRESH_SECONDS", 30 * 86400)),
        "PUBLIC_BASE_URL": env.get("SG_PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        # graph (Bolt)
        "BOLT_URI": env.get("SG_BOLT_URI", "bolt://127.0.0.1:7687"),
        "BOLT_USER": env.get("SG_BOLT_USER", "root"),
        "BOLT_PASSWORD": env.get("SG_BOLT_PASSWORD", DEV_BOLT_PASSWORD),
        "BOLT_DATABASE": env.get("SG_BOLT_DATABASE", "social"),
        # documents
        "MONGO_URI": env.get("SG_MONGO_URI", "mongodb://127.0.0.1:27017/?directConnection=true"),
        "MONGO_DATABASE": env.get("SG_MONGO_DATABASE", "socialgraph"),
        # objects
        "S3_ENDPOINT": env.get("SG_S3_ENDPOINT", "http://127.0.0.1:9000"),
        "S3_ACCESS_KEY": env.get("SG_S3_ACCESS_KEY", "socialgraph"),
        "S3_SECRET_KEY": env.get("SG_S3_SECRET_KEY", DEV_S3_SECRET),
        "S3_BUCKET": env.get("SG_S3_BUCKET", "socialgraph-media"),
        "S3_REGION": env.get("SG_S3_REGION", "us-east-1"),
        # cache and queues
        "REDIS_URL": env.get("SG_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "RQ_QUEUE": env.get("SG_RQ_QUEUE", "default"),
        "RQ_FEED_QUEUE": env.get("SG_RQ_FEED_QUEUE", "feeds"),
        "RQ_ASYNC": _bool(env.get("SG_RQ_ASYNC"), True),
        # work lanes and background-work safety (issue 17)
        "RQ_NOTIFY_QUEUE": env.get("SG_RQ_NOTIFY_QUEUE", "notifications"),
        "RQ_HEAVY_QUEUE": env.get("SG_RQ_HEAVY_QUEUE", "heavy"),
        "SUGGESTIONS_DEBOUNCE_SECONDS": _int(env, "SG_SUGGESTIONS_DEBOUNCE_SECONDS", 30),
        "SWEEP_EVERY_SECONDS": _int(env, "SG_SWEEP_EVERY_SECONDS", 300),
        "SWEEP_STUCK_SECONDS": _int(env, "SG_SWEEP_STUCK_SECONDS", 1800),
        # mail
        "MAIL_BACKEND": env.get("SG_MAIL_BACKEND", "outbox"),  # outbox | smtp
        "MAIL_OUTBOX_DIR": env.get("SG_MAIL_OUTBOX_DIR", ".localdata/outbox"),
        "MAIL_FROM": env.get("SG_MAIL_FROM", "socialgraph <no-reply@localhost>"),
        "SMTP_HOST": env.get("SG_SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _int(env, "SG_SMTP_PORT", 25),
        "SMTP_USER": env.get("SG_SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SG_SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SG_SMTP_STARTTLS"), False),
        # behaviour
        "EMAIL_TOKEN_MAX_AGE": _int(env, "SG_EMAIL_TOKEN_SECONDS", 2 * 86400),
        "RESET_TOKEN_MAX_AGE": _int(env, "SG_RESET_TOKEN_SECONDS", 3600),
        "REQUIRE_VERIFIED_EMAIL_TO_POST": _bool(env.get("SG_REQUIRE_VERIFIED_EMAIL"), False),
        "STORE_TIMEOUT_SECONDS": float(env.get("SG_STORE_TIMEOUT_SECONDS", "3")),
        "FOLLOWING_CACHE_SECONDS": _int(env, "SG_FOLLOWING_CACHE_SECONDS", 60),
        # friend lists (sg:friends:<uid>) and a hub's shared friends (sg:mutual:...): versioned
        # copies dropped by every friendship change, block and account deletion (usernames never
        # change), so they may live as long as a profile card (issue 22 session 7: at 60 s an
        # owner's list expired between two views and the profile's first read asked the graph)
        "FRIENDS_CACHE_SECONDS": _int(env, "SG_FRIENDS_CACHE_SECONDS", 900),
        # Redis copies read by every page (socialgraph.stores.readcache): post documents, short
        # profiles, a user's reactions, group memberships
        "POST_CACHE_SECONDS": _int(env, "SG_POST_CACHE_SECONDS", 900),
        "PROFILE_CACHE_SECONDS": _int(env, "SG_PROFILE_CACHE_SECONDS", 900),
        "REACTION_CACHE_SECONDS": _int(env, "SG_REACTION_CACHE_SECONDS", 3600),
        # media (socialgraph.content.media)
        "MEDIA_MAX_IMAGE_BYTES": _int(env, "SG_MEDIA_MAX_IMAGE_BYTES", 16 * 1024 * 1024),
        "MEDIA_MAX_VIDEO_BYTES": _int(env, "SG_MEDIA_MAX_VIDEO_BYTES", 100 * 1024 * 1024),
        "MEDIA_MAX_IMAGE_PIXELS": _int(env, "SG_MEDIA_MAX_IMAGE_PIXELS", 50_000_000),
        "MEDIA_MAX_VIDEO_SECONDS": _int(env, "SG_MEDIA_MAX_VIDEO_SECONDS", 600),
        "MEDIA_URL_SECONDS": _int(env, "SG_MEDIA_URL_SECONDS", 3600),
        "MEDIA_UPLOAD_URL_SECONDS": _int(env, "SG_MEDIA_UPLOAD_URL_SECONDS", 900),
        "MEDIA_ORPHAN_SECONDS": _int(env, "SG_MEDIA_ORPHAN_SECONDS", 86400),
        "SUGGESTIONS_HEAVY_FRIENDS": _int(env, "SG_SUGGESTIONS_HEAVY_FRIENDS", 100),
        "SUGGESTIONS_CACHE_SECONDS": _int(env, "SG_SUGGESTIONS_CACHE_SECONDS", 3600),
        # security (issue 8): rate limits (the limits library's syntax), login throttling, 2FA, CORS,
        # idempotency, portability. Defaults follow Mastodon's published limits
        # (docs.joinmastodon.org/api/rate-limits) and its rack-attack rules.
        "RATELIMIT_ENABLED": _bool(env.get("SG_RATELIMIT_ENABLED"), True),
        "RATELIMIT_DEFAULT": env.get("SG_RATELIMIT_DEFAULT", "300 per 5 minutes"),
        "RATELIMIT_LOGIN": env.get("SG_RATELIMIT_LOGIN", "25 per 5 minutes"),
        "RATELIMIT_SIGNUP": env.get("SG_RATELIMIT_SIGNUP", "5 per 30 minutes"),
        "RATELIMIT_PASSWORD_RESET": env.get("SG_RATELIMIT_PASSWORD_RESET", "5 per 30 minutes"),
        "RATELIMIT_POSTING": env.get("SG_RATELIMIT_POSTING", "300 per 3 hours"),
        "RATELIMIT_UPLOADS": env.get("SG_RATELIMIT_UPLOADS", "30 per 30 minutes"),
        "RATELIMIT_KEY_PREFIX": env.get("SG_RATELIMIT_KEY_PREFIX", "sg-rl"),
        # issue 16: sessions and abuse limits
        "RATELIMIT_PER_IP": env.get("SG_RATELIMIT_PER_IP", "1500 per 5 minutes"),
        "TRUSTED_PROXY_HOPS": _int(env, "SG_TRUSTED_PROXY_HOPS", 0),
        "LOGIN_ACCOUNT_SLOW_AFTER": _int(env, "SG_LOGIN_ACCOUNT_SLOW_AFTER", 20),
        "LOGIN_ACCOUNT_SLOW_MAX_SECONDS": _int(env, "SG_LOGIN_ACCOUNT_SLOW_MAX_SECONDS", 60),
        "LOGIN_THROTTLE_AFTER": _int(env, "SG_LOGIN_THROTTLE_AFTER", 3),
        "LOGIN_LOCK_AFTER": _int(env, "SG_LOGIN_LOCK_AFTER", 10),
        "LOGIN_LOCK_SECONDS": _int(env, "SG_LOGIN_LOCK_SECONDS", 900),
        "LOGIN_IP_LOCK_AFTER": _int(env, "SG_LOGIN_IP_LOCK_AFTER", 50),
        "LOGIN_ATTEMPTS_KEEP_DAYS": _int(env, "SG_LOGIN_ATTEMPTS_KEEP_DAYS", 90),
        "MFA_TOKEN_SECONDS": _int(env, "SG_MFA_TOKEN_SECONDS", 300),
        "TOTP_ISSUER": env.get("SG_TOTP_ISSUER", "socialgraph"),
        "CORS_ORIGINS": [o.strip() for o in env.get("SG_CORS_ORIGINS", "").split(",") if o.strip()],
        "HSTS_SECONDS": _int(env, "SG_HSTS_SECONDS", 31536000),
        "IDEMPOTENCY_SECONDS": _int(env, "SG_IDEMPOTENCY_SECONDS", 3600),
        "EXPORT_LINK_SECONDS": _int(env, "SG_EXPORT_LINK_SECONDS", 86400),
        # feeds, trends, notifications, real time, messages (issue 6)
        "FEED_FANOUT": _bool(env.get("SG_FEED_FANOUT"), True),
        "FEED_MAX_ITEMS": _int(env, "SG_FEED_MAX_ITEMS", 800),
        "FEED_ACTIVE_DAYS": _int(env, "SG_FEED_ACTIVE_DAYS", 14),
        "FEED_FANOUT_BATCH": _int(env, "SG_FEED_FANOUT_BATCH", 500),
        "FEED_HYBRID_THRESHOLD": _int(env, "SG_FEED_HYBRID_THRESHOLD", 5000),
        "FEED_REBUILD_READ_MAX_AUTHORS": _int(env, "SG_FEED_REBUILD_READ_MAX_AUTHORS", 1000),
        "DISCOVER_CANDIDATES": _int(env, "SG_DISCOVER_CANDIDATES", 1000),
        "DISCOVER_CACHE_SECONDS": _int(env, "SG_DISCOVER_CACHE_SECONDS", 60),
        "TRENDS_INTERVAL_SECONDS": _int(env, "SG_TRENDS_INTERVAL_SECONDS", 300),
        "NOTIFY_DIGEST_SECONDS": _int(env, "SG_NOTIFY_DIGEST_SECONDS", 600),
        "WS_MAX_MESSAGE_BYTES": _int(env, "SG_WS_MAX_MESSAGE_BYTES", 16384),
        "WS_RATE_LIMIT": _int(env, "SG_WS_RATE_LIMIT", 20),
        "WS_RATE_WINDOW_SECONDS": _int(env, "SG_WS_RATE_WINDOW_SECONDS", 10),
        "MESSAGE_MAX_CHARS": _int(env, "SG_MESSAGE_MAX_CHARS", 4000),
        "MESSAGE_RATE_PER_MINUTE": _int(env, "SG_MESSAGE_RATE_PER_MINUTE", 30),
        "CONVERSATION_MAX_MEMBERS": _int(env, "SG_CONVERSATION_MAX_MEMBERS", 10),
        # deployment (issue 18): presigned URLs handed to clients are signed for this endpoint
        # (the reverse proxy's public origin); the app keeps SG_S3_ENDPOINT for its own calls
        "S3_PUBLIC_ENDPOINT": env.get("SG_S3_PUBLIC_ENDPOINT", "").rstrip("/"),
        # periodic jobs (socialgraph.operations.scheduler): "worker" = each RQ worker keeps the
        # trends and stories chains going itself (local dev); "service" = a `socialgraph scheduler`
        # process queues every periodic job and workers only run them (docker-compose)
        "SCHEDULER": env.get("SG_SCHEDULER", "worker"),
        "STORIES_PURGE_SECONDS": _int(env, "SG_STORIES_PURGE_SECONDS", 600),
        "MEDIA_CLEANUP_SECONDS": _int(env, "SG_MEDIA_CLEANUP_SECONDS", 3600),
        # Redis connections per process; more callers wait for one (up to 2 x SG_STORE_TIMEOUT_SECONDS).
        # A gthread API worker uses at most one per thread; a gevent stream worker one per busy greenlet.
        "REDIS_MAX_CONNECTIONS": _int(env, "SG_REDIS_MAX_CONNECTIONS", 1000),
        # an idle WebSocket looks at the clock this often (token expiry itself is waited for exactly)
        "WS_IDLE_CHECK_SECONDS": float(env.get("SG_WS_IDLE_CHECK_SECONDS", "60")),
        # the revocation fallback: every process re-checks all its sockets' sessions this often
        # (one batched MGET; the pub/sub close within ~2 s is the primary path)
        "WS_RECHECK_SECONDS": float(env.get("SG_WS_RECHECK_SECONDS", "30")),
        # Redis roles, in the style of Mastodon's REDIS_URL / CACHE_REDIS_URL / SIDEKIQ_REDIS_URL:
        # SG_REDIS_URL keeps feeds, sessions, limits, idempotency keys and pub/sub; the read-through
        # copies (socialgraph.stores.readcache) may live on a cache-only Redis (eviction allowed),
        # RQ on a Redis of its own (never evicting). Each defaults to SG_REDIS_URL.
        # (empty = use REDIS_URL, resolved when the client is made, so an override of REDIS_URL alone
        # moves all three). SG_REDIS_URL and SG_CACHE_REDIS_URL may name a Redis Cluster
        # (redis+cluster://host:port[,host:port...]; socialgraph.stores.rediskeys), RQ's may not.
        "CACHE_REDIS_URL": env.get("SG_CACHE_REDIS_URL", ""),
        "QUEUE_REDIS_URL": env.get("SG_QUEUE_REDIS_URL", ""),
        # Web Push (issue 19, socialgraph.messaging.push): VAPID key (PEM or base64url raw;
        # generated by `db init` into MongoDB when unset), contact, message TTL (Mastodon: 48 h)
        "VAPID_PRIVATE_KEY": env.get("SG_VAPID_PRIVATE_KEY", ""),
        "VAPID_SUBJECT": env.get("SG_VAPID_SUBJECT", "mailto:admin@localhost"),
        "PUSH_TTL_SECONDS": _int(env, "SG_PUSH_TTL_SECONDS", 48 * 3600),
        "PUSH_TIMEOUT_SECONDS": float(env.get("SG_PUSH_TIMEOUT_SECONDS", "10")),
        "PUSH_ALLOW_INSECURE": _bool(env.get("SG_PUSH_ALLOW_INSECURE"), False),
        # OpenAPI (flask-smorest)
        "API_TITLE": "socialgraph",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # default (None): the Swagger UI assets bundled with the app (socialgraph.http.docs_assets)
        "OPENAPI_SWAGGER_UI_URL": env.get("SG_SWAGGER_UI_URL") or None,
        # hostile input (issue 16b): unverified sign-ups, imports
        "UNVERIFIED_ACCOUNT_SECONDS": _int(env, "SG_UNVERIFIED_ACCOUNT_SECONDS", 7 * 86400),
        "IMPORT_MAX_UNCOMPRESSED_BYTES": _int(env, "SG_IMPORT_MAX_UNCOMPRESSED_BYTES", 512 * 1024 * 1024),
        "IMPORT_MAX_ENTRY_BYTES": _int(env, "SG_IMPORT_MAX_ENTRY_BYTES", 64 * 1024 * 1024),
        "IMPORT_MAX_ENTRIES": _int(env, "SG_IMPORT_MAX_ENTRIES", 20000),
        "IMPORT_MAX_RATIO": _int(env, "SG_IMPORT_MAX_RATIO", 100),
        "IMPORT_MAX_POSTS": _int(env, "SG_IMPORT_MAX_POSTS", 10000),
        "STORAGE_QUOTA_BYTES": _int(env, "SG_STORAGE_QUOTA_BYTES", 2 * 1024 ** 3),
        # issue 24: the Mastodon client API (socialgraph.mastodon): served on its own host name
        # (e.g. social.example.org beside api.example.org; empty = none) and, on every host, under
        # a path prefix (dev and tests: http://127.0.0.1:5000/mastodon; empty = off)
        "MASTODON_HOST": env.get("SG_MASTODON_HOST", "").strip().lower(),
        "MASTODON_PREFIX": env.get("SG_MASTODON_PREFIX", "/mastodon").rstrip("/"),
        # OAuth sessions of Mastodon apps: sliding lifetime (renewed on use), authorization code lifetime
        "OAUTH_SESSION_SECONDS": _int(env, "SG_OAUTH_SESSION_SECONDS", 365 * 86400),
        "OAUTH_CODE_SECONDS": _int(env, "SG_OAUTH_CODE_SECONDS", 600),
        # shown by /api/v1/instance and /api/v2/instance
        "INSTANCE_TITLE": env.get("SG_INSTANCE_TITLE", "socialgraph"),
        "INSTANCE_CONTACT_EMAIL": env.get("SG_INSTANCE_CONTACT_EMAIL", ""),
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": _int(env, "SG_MAX_REQUEST_BYTES", 1024 * 1024),
    }
    return cfg


#: URL schemes that name a Redis Cluster (as the ``limits`` library spells them):
#: ``redis+cluster://[user:password@]host:port[,host:port...]``
REDIS_CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://", "valkey+cluster://")


def is_cluster_url(url: str | None) -> bool:
    """True when ``url`` names a Redis Cluster (see :data:`REDIS_CLUSTER_SCHEMES`)."""
    return bool(url) and url.lower().startswith(REDIS_CLUSTER_SCHEMES)


def check_redis_roles(cfg: dict) -> None:
    """Refuse a Redis Cluster for RQ: ``SG_QUEUE_REDIS_URL`` (which defaults to
    ``SG_REDIS_URL``) must name a plain Redis, because RQ's scripts and
    transactions span many keys. ``SG_REDIS_URL`` and ``SG_CACHE_REDIS_URL``
    may name a cluster. Raises :class:`ConfigError`."""
    queue = cfg.get("QUEUE_REDIS_URL") or cfg.get("REDIS_URL")
    if is_cluster_url(queue):
        raise ConfigError("SG_QUEUE_REDIS_URL must name a plain Redis (RQ does not run on a Redis Cluster); "
                          "SG_REDIS_URL is a cluster URL, so set SG_QUEUE_REDIS_URL to a redis:// URL")


def check_production(cfg: dict) -> None:
    """Refuse production settings that keep development secrets.

    Raises :class:`ConfigError` naming the offending variables.
    """
    if cfg.get("ENV_MODE") != "production":
        return
    bad = []
    if cfg["JWT_SECRET_KEY"] == DEV_JWT_SECRET or len(cfg["JWT_SECRET_KEY"]) < 32:
        bad.append("SG_JWT_SECRET")
    if cfg["SECRET_KEY"] == DEV_SECRET_KEY or len(cfg["SECRET_KEY"]) < 32:
        bad.append("SG_SECRET_KEY")
    if cfg["BOLT_PASSWORD"] in ("", DEV_BOLT_PASSWORD):
        bad.append("SG_BOLT_PASSWORD")
    if cfg["S3_SECRET_KEY"] in ("", DEV_S3_SECRET):
        bad.append("SG_S3_SECRET_KEY")
    if bad:
        raise ConfigError(
            "refusing to start in production with default or weak secrets: " + ", ".join(bad)
            + " (set each to a random value of at least 32 characters)")
