"""Profile flag probes (issue 22): a package above the graph adds reads to the
profile's one script through the registry; only read-only commands pass, and
the stories probe decides only what its index can tell."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from socialgraph.core import clock
from socialgraph.graph import profiles
from socialgraph.stories import stories


def test_a_probe_may_only_read():
    probe = profiles.FlagProbe(reads=(("DEL", "sg:x", None),), decide=lambda v, o, r: False)
    with pytest.raises(ValueError):
        profiles.register_profile_flag("bad", lambda v, o: False, probe)
    assert "bad" not in profiles.PROFILE_FLAGS and "bad" not in profiles.PROFILE_FLAG_PROBES


def test_the_stories_probe_is_registered_with_the_active_index():
    probe = profiles.PROFILE_FLAG_PROBES["has_unseen_stories"]
    assert probe.reads == (("EXISTS", stories.ACTIVE_READY_KEY, None), ("ZSCORE", stories.ACTIVE_KEY, profiles.OWNER))


def test_the_stories_probe_decides_only_what_the_index_tells(monkeypatch):
    now = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
    monkeypatch.setattr(clock, "now", lambda: now)
    decide = profiles.PROFILE_FLAG_PROBES["has_unseen_stories"].decide
    t = now.timestamp()
    assert decide(None, "o", [1, b"%f" % (t + 60)]) is False  # anonymous
    assert decide("o", "o", [1, b"%f" % (t + 60)]) is False  # oneself
    assert decide("v", "o", [1, None]) is False  # no story in a complete index
    assert decide("v", "o", [1, b"%f" % (t - 1)]) is False  # the last one expired
    assert decide("v", "o", [1, b"%f" % (t + 60)]) is profiles.UNDECIDED  # active: MongoDB decides
    assert decide("v", "o", [0, None]) is profiles.UNDECIDED  # the index is being rebuilt
