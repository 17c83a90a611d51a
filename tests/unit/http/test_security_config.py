"""Security settings, the limit table and the portability registry (no servers)."""
from __future__ import annotations

from socialgraph.core.config import load_config
from socialgraph.core.errors import RateLimited


def test_limit_settings_and_cors_from_environment():
    cfg = load_config({"SG_CORS_ORIGINS": "https://a.example, https://b.example ,",
                       "SG_RATELIMIT_POSTING": "10 per hour", "SG_RATELIMIT_ENABLED": "false"})
    assert cfg["CORS_ORIGINS"] == ["https://a.example", "https://b.example"]
    assert cfg["RATELIMIT_POSTING"] == "10 per hour" and cfg["RATELIMIT_ENABLED"] is False
    default = load_config({})
    assert default["CORS_ORIGINS"] == [] and default["RATELIMIT_SIGNUP"] == "5 per 30 minutes"
    assert default["RATELIMIT_DEFAULT"] == "300 per 5 minutes" and default["IDEMPOTENCY_SECONDS"] == 3600


def test_every_strict_endpoint_names_a_setting_that_parses():
    from limits import parse_many

    from socialgraph.http.limits import STRICT_ENDPOINTS

    cfg = load_config({})
    for endpoint, key in STRICT_ENDPOINTS.items():
        assert parse_many(cfg[key]), (endpoint, key)
    assert STRICT_ENDPOINTS["auth.login"] == "RATELIMIT_LOGIN"


def test_rate_limited_carries_retry_after():
    exc = RateLimited("slow down", retry_after=12.4, reason="throttled")
    assert exc.headers == {"Retry-After": "12"} and exc.to_problem()["reason"] == "throttled"
    assert RateLimited().headers == {}


def test_portability_registry_order_and_replacement():
    from socialgraph.portability import service as portability

    names = [a.name for a in portability.AREAS]
    assert names[-1] == "account" and names.index("graph") > names.index("posts")
    before = list(portability.AREAS)
    try:
        portability.register_area("messages", order=35, erase=lambda uid: {"messages": 0})
        portability.register_area("messages", order=36, erase=lambda uid: {"messages": 1})
        got = [a for a in portability.AREAS if a.name == "messages"]
        assert len(got) == 1 and got[0].order == 36 and got[0].erase("u") == {"messages": 1}
    finally:
        portability.AREAS[:] = before
