"""Key naming for Redis Cluster (hash tags) and the Redis-role check, without servers."""
from __future__ import annotations

import pytest

from socialgraph.core.config import ConfigError, check_redis_roles, is_cluster_url
from socialgraph.stores import rediskeys
from socialgraph.stores.rediskeys import companion, group_by_slot, has_tag, slot, user_tag


def test_companion_keys_share_the_slot_of_their_key():
    assert companion("sg:feed:42", ":tmp") == "{sg:feed:42}:tmp"
    assert slot("{sg:feed:42}:tmp") == slot("sg:feed:42")
    assert companion("sg:session:{u:7}:s1", ":v") == "sg:session:{u:7}:s1:v"  # a tagged key keeps its tag
    assert slot(companion("sg:session:{u:7}:s1", ":v")) == slot("sg:not-before:{u:7}")
    assert has_tag("a{b}c") and not has_tag("a{}c") and not has_tag("plain")
    assert user_tag("7") == "{u:7}"


def test_key_templates_of_the_app_carry_their_tags():
    from socialgraph.accounts import sessions
    from socialgraph.graph import usersearch
    from socialgraph.messaging import notifications
    from socialgraph.stores import readcache

    assert sessions.SESSION_KEY.format(uid="9", sid="s") == "sg:session:{u:9}:s"
    assert sessions.NOT_BEFORE_KEY.format(uid="9") == "sg:not-before:{u:9}"
    assert notifications.MAIL_SCHEDULED_KEY.format(uid="9") == "{sg:notif:mail:9}:scheduled"
    assert slot(notifications.MAIL_SCHEDULED_KEY.format(uid="9")) == slot(notifications.MAIL_KEY.format(uid="9"))
    assert {slot(k) for k in (usersearch.INDEX_KEY, usersearch.NAMES_KEY, usersearch.READY_KEY,
                              usersearch.BUILDING_KEY)} == {slot(usersearch.INDEX_KEY)}
    assert readcache.version_key("sg:post:abc") == "{sg:post:abc}:v"


def test_group_by_slot_keeps_first_seen_order():
    keys = ["{a}1", "{b}1", "{a}2", "{c}1", "{b}2"]
    assert group_by_slot(keys) == [[0, 2], [1, 4], [3]]


def test_cluster_urls_and_the_queue_role():
    assert is_cluster_url("redis+cluster://h1:7000,h2:7001") and is_cluster_url("rediss+cluster://h:1")
    assert not is_cluster_url("redis://h:6379/0") and not is_cluster_url("")
    check_redis_roles({"REDIS_URL": "redis+cluster://h:7000", "QUEUE_REDIS_URL": "redis://q:6379/0"})
    check_redis_roles({"REDIS_URL": "redis://h:6379/0", "QUEUE_REDIS_URL": ""})
    with pytest.raises(ConfigError, match="SG_QUEUE_REDIS_URL"):
        check_redis_roles({"REDIS_URL": "redis+cluster://h:7000", "QUEUE_REDIS_URL": ""})
    with pytest.raises(ConfigError, match="SG_QUEUE_REDIS_URL"):
        check_redis_roles({"REDIS_URL": "redis://h:6379/0", "QUEUE_REDIS_URL": "redis+cluster://h:7000"})


def test_a_plain_client_is_not_a_cluster_one():
    import redis

    r = redis.Redis()  # never connects here
    assert not rediskeys.is_cluster(r) and rediskeys.any_node(r) is r
    r.close()
