"""The Mastodon journey through megalodon (npm) under Node, against the
running app: register an app, post with an image, follow, read the home
timeline with paging, favourite, reblog, reply and context, notifications,
search, stream a notification, and Mastodon's error shape
(``tests/node/journey.mjs``). The OAuth authorisation (PKCE) is made by the
Python fixtures; megalodon gets the tokens. ``make test`` installs the Node
packages (``npm ci`` in ``tests/node``); under ``CI=true`` a missing ``node``
or missing packages fail this test."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import missing
from tests.mediafiles import png

NODE_DIR = Path(__file__).resolve().parents[2] / "node"


def test_megalodon_journey(mastodon_user, mastodon_base, tmp_path):
    node = shutil.which("node")
    if node is None:
        missing("node is not installed", "apt-get install nodejs npm")
    if not (NODE_DIR / "node_modules" / "megalodon").is_dir():
        missing("tests/node packages are not installed", "cd tests/node && npm ci")
    _alice_user, alice = mastodon_user("na")
    bob_user, bob = mastodon_user("nb")
    image = tmp_path / "red.png"
    image.write_bytes(png(60, 30))
    cfg = {"base": mastodon_base, "image": str(image),
           "alice": {"token": alice.access_token, "id": alice.me()["id"]},
           "bob": {"token": bob.access_token, "id": bob.me()["id"], "username": bob_user.username}}
    proc = subprocess.run([node, str(NODE_DIR / "journey.mjs")], input=json.dumps(cfg), capture_output=True,
                          text=True, timeout=120, cwd=NODE_DIR)
    out = json.loads(proc.stdout or "{}")
    assert proc.returncode == 0, (out.get("failure"), proc.stderr[-2000:])
    assert out["app_client_id"] is True and out["me"] == cfg["alice"]["id"]
    assert (out["media_type"], out["media_description"], out["status_media"]) == ("image", "a red square", 1)
    assert out["status_tags"] == ["megalodon"]
    assert len(out["home_first"]) == 2 and len(out["home_second"]) == 2
    assert not set(out["home_first"]) & set(out["home_second"])
    assert 'rel="next"' in out["home_link"]
    assert (out["favourited"], out["favourites_count"], out["reblog_of"]) == (True, 1, out["status_id"])
    assert out["reply_in_context"] is True
    assert out["notification_types"] == ["favourite", "follow", "mention", "reblog"]
    assert out["search_statuses"] == [out["status_id"]]
    assert out["search_accounts"] == [cfg["bob"]["id"]]
    assert (out["streamed_type"], out["streamed_status"]) == ("favourite", out["another_id"])
    assert out["missing_status"] == {"status": 404, "body": {"error": "status not found"}}
