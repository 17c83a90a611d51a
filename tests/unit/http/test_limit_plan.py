"""The counters a request charges (:func:`socialgraph.http.limits._plan`), in
flask-limiter's order: sorted stably by the window's unit, the headers showing
the endpoint's own limit; the keys are the ``limits`` library's."""
from __future__ import annotations

from socialgraph.http.limits import _plan


def test_signed_in_caller_charges_account_address_and_endpoint_in_unit_order():
    items, keys, args, shown = _plan("sg-rl", "user:u1", "ip:10.0.0.1", "posts.create_post",
                                     "300 per 5 minutes", "1500 per 5 minutes", "300 per 3 hours")
    assert keys == ("LIMITS:LIMITER/sg-rl/user:u1/global/300/5/minute",
                    "LIMITS:LIMITER/sg-rl/ip:10.0.0.1/global-ip/1500/5/minute",
                    "LIMITS:LIMITER/sg-rl/user:u1/posts.create_post/300/3/hour")
    assert args == (1, 300, 300, 300, 1500, 10800, 300)  # cost, then (window seconds, amount) per counter
    assert shown == 2 and [i.amount for i in items] == [300, 1500, 300]


def test_a_shorter_unit_comes_first_and_anonymous_callers_have_no_address_counter():
    items, keys, args, shown = _plan("", "ip:10.0.0.2", None, "meta.ping",
                                     "5 per minute", "1500 per 5 minutes", "1 per second; 4 per minute")
    assert keys == ("LIMITS:LIMITER/ip:10.0.0.2/meta.ping/1/1/second",
                    "LIMITS:LIMITER/ip:10.0.0.2/global/5/1/minute",
                    "LIMITS:LIMITER/ip:10.0.0.2/meta.ping/4/1/minute")
    assert args == (1, 1, 1, 60, 5, 60, 4) and shown == 0
