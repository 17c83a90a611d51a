"""``socialgraph users create`` / ``users set-role`` against the real stores:
the admin it makes can moderate, a demoted one cannot, bad input is refused
with a message and nothing written."""
from __future__ import annotations

from socialgraph import stores
from tests.conftest import unique

PASSWORD = "a long operator password"


def _login(client, username):
    r = client.post("/api/v1/auth/login", json={"login": username, "password": PASSWORD})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def test_create_an_admin_then_demote_it(app, client, ctx):
    runner = app.test_cli_runner()
    name = unique("op")
    r = runner.invoke(args=["users", "create", name, "--email", f"{name}@example.test", "--admin", "--confirmed"],
                      input=f"{PASSWORD}\n{PASSWORD}\n")
    assert r.exit_code == 0, r.output
    assert f"created {name}" in r.output and "role admin" in r.output
    doc = stores.mongo().accounts.find_one({"username": name})
    assert doc["role"] == "admin" and doc["email_verified"] is True and doc["status"] == "active"
    headers = _login(client, name)
    assert client.get("/api/v1/moderation/reports", headers=headers).status_code == 200

    r = runner.invoke(args=["users", "set-role", name.upper(), "user"])
    assert r.exit_code == 0 and f"{name} is now user" in r.output, r.output
    assert client.get("/api/v1/moderation/reports", headers=headers).status_code == 403


def test_plain_user_from_the_environment_password(app, client, ctx):
    runner = app.test_cli_runner()
    name = unique("cli")
    r = runner.invoke(args=["users", "create", name, "--email", f"{name}@example.test"],
                      env={"SG_NEW_USER_PASSWORD": PASSWORD})
    assert r.exit_code == 0, r.output
    doc = stores.mongo().accounts.find_one({"username": name})
    assert doc["role"] == "user" and doc["email_verified"] is False
    assert client.get("/api/v1/moderation/reports", headers=_login(client, name)).status_code == 403


def test_bad_input_is_refused_and_writes_nothing(app, ctx):
    runner = app.test_cli_runner()
    name = unique("bad")
    weak = runner.invoke(args=["users", "create", name, "--email", f"{name}@example.test", "--password", "short"])
    assert weak.exit_code == 1 and "password" in weak.output.lower(), weak.output
    assert stores.mongo().accounts.find_one({"username": name}) is None
    ok = runner.invoke(args=["users", "create", name, "--email", f"{name}@example.test", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    taken = runner.invoke(args=["users", "create", unique("b2"), "--email", f"{name}@example.test",
                                "--password", PASSWORD])
    assert taken.exit_code == 1 and "email is already taken" in taken.output
    missing = runner.invoke(args=["users", "set-role", unique("ghost"), "admin"])
    assert missing.exit_code == 1 and "no account" in missing.output
    role = runner.invoke(args=["users", "set-role", name, "owner"])
    assert role.exit_code == 2 and "owner" in role.output
    assert stores.mongo().accounts.find_one({"username": name})["role"] == "user"
