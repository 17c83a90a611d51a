"""Groups through HTTP: privacy, roles, membership rules, posts, events, activity, suggestions."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from socialgraph.core import clock

PROBLEM = "application/problem+json"
G = "/api/v1/groups"


def befriend(app, a, b):
    """A friendship as the graph engineer's branch stores it (one FRIENDS_WITH per pair)."""
    from socialgraph import stores
    from socialgraph.operations.degrees import recount

    with app.app_context():
        stores.graph().run_text(
            "MATCH (a:User {uid: $a}), (b:User {uid: $b}) MERGE (a)-[:FRIENDS_WITH {since: $at}]->(b)",
            a=a.uid, b=b.uid, at=clock.now())
        recount(a.uid, b.uid)  # the degree counts a hand-written friendship bypasses


def make_group(owner, privacy="public", name=None):
    r = owner.post(G, json={"name": name or f"Group {privacy}", "description": "about", "privacy": privacy})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_create_edit_and_validation(client, make_user):
    owner, other = make_user("gown"), make_user("goth")
    g = make_group(owner, "private", "Beer Lovers")
    assert g["viewer"] == {"role": "admin", "owner": True, "invited": False, "requested": False, "banned": False,
                           "notifications": "highlights"}
    assert g["member_count"] == 1 and g["privacy"] == "private"
    for body in ({"name": ""}, {"name": "x", "privacy": "hidden"}, {"name": "x" * 101}, {"name": "x", "extra": 1}):
        r = owner.post(G, json=body)
        assert r.status_code == 422 and r.mimetype == PROBLEM, body
    r = other.patch(f"{G}/{g['id']}", json={"name": "Hijacked"})
    assert r.status_code == 404  # private group: outsiders cannot act and learn nothing
    r = owner.patch(f"{G}/{g['id']}", json={"name": "Craft Beer Lovers", "privacy": "public"})
    assert r.status_code == 200 and r.get_json()["name"] == "Craft Beer Lovers"
    assert other.patch(f"{G}/{g['id']}", json={"name": "x"}).status_code == 403  # public now: visible, not admin
    assert client.get(f"{G}/{g['id']}").get_json()["privacy"] == "public"


def test_private_and_secret_content_is_members_only(client, make_user, subtests):
    """One set-up; each rule a subtest, so one broken rule does not hide the others."""
    owner, member, outsider = make_user("po"), make_user("pm"), make_user("px")
    private, secret = make_group(owner, "private", "Quiet Room"), make_group(owner, "secret", "Hidden Cellar")
    for g in (private, secret):
        owner.post(f"{G}/{g['id']}/invitations", json={"username": member.username})
        assert member.post(f"{G}/{g['id']}/join").get_json()["status"] == "member"
    pp = member.post(f"{G}/{private['id']}/posts", json={"text": "members only"}).get_json()
    sp = owner.post(f"{G}/{secret['id']}/posts", json={"text": "secret plans"}).get_json()
    assert pp["group_id"] == private["id"]
    c = owner.post(f"/api/v1/posts/{sp['id']}/comments", json={"text": "inner comment"}).get_json()

    with subtests.test("a private group is visible"):
        r = outsider.get(f"{G}/{private['id']}")
        assert r.status_code == 200 and (r.get_json()["id"], r.get_json()["name"]) == (private["id"], "Quiet Room")
        assert "members only" not in r.get_data(as_text=True)
    with subtests.test("a secret group does not exist for non-members, anonymous or signed in"):
        assert [who(f"{G}/{secret['id']}").status_code for who in (outsider.get, client.get)] == [404, 404]
    for kind, g, p in (("private", private, pp), ("secret", secret, sp)):
        for url in (f"{G}/{g['id']}/posts", f"{G}/{g['id']}/members", f"{G}/{g['id']}/events",
                    f"{G}/{g['id']}/announcements", f"/api/v1/posts/{p['id']}", f"/api/v1/posts/{p['id']}/comments"):
            with subtests.test("a non-member reads nothing", group=kind, url=url.replace(g["id"], "<g>").replace(p["id"], "<p>")):
                for who in (outsider.get, client.get):
                    r = who(url)
                    assert r.status_code == 404 and r.mimetype == PROBLEM, url
                    assert "secret" not in r.get_data(as_text=True) and "members only" not in r.get_data(as_text=True)
        with subtests.test("a non-member writes nothing", group=kind):
            assert [outsider.post(f"/api/v1/posts/{p['id']}/comments", json={"text": "x"}).status_code,
                    outsider.put(f"/api/v1/posts/{p['id']}/reaction", json={"type": "like"}).status_code,
                    outsider.post(f"{G}/{g['id']}/posts", json={"text": "x"}).status_code] == [404, 404, 404]
    with subtests.test("a non-member cannot react to a comment in a secret group"):
        assert outsider.put(f"/api/v1/comments/{c['id']}/reaction", json={"type": "like"}).status_code == 404
    with subtests.test("members read everything, comments and reactions work as on profile posts"):
        r = member.get(f"/api/v1/posts/{sp['id']}")
        assert r.status_code == 200 and (r.get_json()["id"], r.get_json()["text"]) == (sp["id"], "secret plans")
        assert member.put(f"/api/v1/posts/{sp['id']}/reaction", json={"type": "love"}).status_code == 200
        thread = member.get(f"/api/v1/posts/{sp['id']}/comments").get_json()["items"]
        assert [t["text"] for t in thread] == ["inner comment"]
        assert [p["id"] for p in member.get(f"{G}/{secret['id']}/posts").get_json()["items"]] == [sp["id"]]
    name_hits = lambda u, q: [x["id"] for x in u.get(G, query_string={"q": q}).get_json()["items"]]
    with subtests.test("a secret group is absent from search and listings for non-members, present for members"):
        assert name_hits(outsider, "hidden cellar") == [] and name_hits(member, "HIDDEN CELLAR") == [secret["id"]]
        assert secret["id"] not in [x["id"] for x in client.get(G, query_string={"limit": 100}).get_json()["items"]]
    with subtests.test("a private group is found by name"):
        assert private["id"] in name_hits(outsider, "quiet room")
    with subtests.test("group posts stay off the author's profile timeline and the discovery feed"):
        assert sp["id"] not in [p["id"] for p in client.get(f"/api/v1/users/{owner.username}/posts").get_json()["items"]]
        disc = outsider.get("/api/v1/feeds/discover", query_string={"limit": 100}).get_json()["items"]
        assert pp["id"] not in [p["id"] for p in disc]


def test_join_rules_requests_and_invitations(make_user):
    owner, mod, asker, guest = make_user("jo"), make_user("jm"), make_user("ja"), make_user("jg")
    public, private, secret = make_group(owner), make_group(owner, "private"), make_group(owner, "secret")
    assert mod.post(f"{G}/{public['id']}/join").get_json() == {"status": "member", "role": "member"}
    # private: a request, approved by a moderator
    owner.post(f"{G}/{private['id']}/invitations", json={"username": mod.username})
    mod.post(f"{G}/{private['id']}/join")
    assert owner.put(f"{G}/{private['id']}/members/{mod.username}/role", json={"role": "moderator"}).status_code == 200
    assert asker.post(f"{G}/{private['id']}/join").get_json()["status"] == "requested"
    assert asker.get(f"{G}/{private['id']}").get_json()["viewer"]["requested"] is True
    assert asker.get(f"{G}/{private['id']}/join-requests").status_code == 404
    reqs = mod.get(f"{G}/{private['id']}/join-requests").get_json()["items"]
    assert [r["username"] for r in reqs] == [asker.username]
    r = mod.post(f"{G}/{private['id']}/join-requests/{asker.username}/approve")
    assert r.status_code == 200 and r.get_json()["status"] == "member"
    assert asker.get(f"{G}/{private['id']}/posts").status_code == 200
    guest.post(f"{G}/{private['id']}/join")
    assert mod.post(f"{G}/{private['id']}/join-requests/{guest.username}/reject").get_json()["status"] == "rejected"
    assert guest.get(f"{G}/{private['id']}/posts").status_code == 404
    assert mod.post(f"{G}/{private['id']}/join-requests/{guest.username}/approve").status_code == 404
    # secret: invitation only; the invitee sees it, then joins
    assert guest.post(f"{G}/{secret['id']}/join").status_code == 404
    assert owner.post(f"{G}/{secret['id']}/invitations", json={"username": guest.username}).status_code == 201
    assert guest.get(f"{G}/{secret['id']}").get_json()["viewer"]["invited"] is True
    assert guest.get(f"{G}/{secret['id']}/posts").status_code == 404  # invited is not a member yet
    assert guest.post(f"{G}/{secret['id']}/join").get_json()["status"] == "member"
    assert owner.post(f"{G}/{secret['id']}/invitations", json={"username": guest.username}).status_code == 409
    mine = {g["id"]: g["viewer"]["role"] for g in guest.get("/api/v1/me/groups").get_json()["items"]}
    assert mine == {secret["id"]: "member"}


def test_roles_removal_ban_leave_and_ownership(make_user, subtests):
    """A scenario in steps, each a subtest: a step that breaks does not hide
    the later ones (each step names the state the earlier ones left)."""
    owner, admin2, mod, m1, m2 = (make_user(p) for p in ("ro", "ra", "rm", "r1", "r2"))
    g = make_group(owner, "private")
    gid = g["id"]
    for u in (admin2, mod, m1, m2):
        owner.post(f"{G}/{gid}/invitations", json={"username": u.username})
        u.post(f"{G}/{gid}/join")
    owner.put(f"{G}/{gid}/members/{admin2.username}/role", json={"role": "admin"})
    owner.put(f"{G}/{gid}/members/{mod.username}/role", json={"role": "moderator"})
    with subtests.test("only admins change roles"):
        assert mod.put(f"{G}/{gid}/members/{m1.username}/role", json={"role": "moderator"}).status_code == 403
    with subtests.test("a moderator cannot remove or ban an admin or the owner"):
        for target in (admin2, owner):
            r = mod.delete(f"{G}/{gid}/members/{target.username}")
            assert r.status_code == 403 and r.mimetype == PROBLEM
        assert mod.put(f"{G}/{gid}/bans/{admin2.username}").status_code == 403
        roles = {m["username"]: m["role"] for m in owner.get(f"{G}/{gid}/members").get_json()["items"]}
        assert roles[admin2.username] == "admin" and len(roles) == 5
    with subtests.test("a moderator removes a plain member; members remove nobody"):
        assert m2.delete(f"{G}/{gid}/members/{m1.username}").status_code == 403
        assert mod.delete(f"{G}/{gid}/members/{m1.username}").status_code == 204
        assert m1.get(f"{G}/{gid}/posts").status_code == 404
    with subtests.test("a ban: gone and cannot come back until unbanned"):
        assert mod.put(f"{G}/{gid}/bans/{m2.username}").status_code == 200
        assert m2.post(f"{G}/{gid}/join").status_code == 403
        assert owner.post(f"{G}/{gid}/invitations", json={"username": m2.username}).status_code == 409
        assert owner.delete(f"{G}/{gid}/bans/{m2.username}").get_json()["deleted"] is True
        assert m2.post(f"{G}/{gid}/join").get_json()["status"] == "requested"
    with subtests.test("the owner is always an admin and cannot leave without handing over"):
        assert admin2.put(f"{G}/{gid}/members/{owner.username}/role", json={"role": "member"}).status_code == 409
        r = owner.post(f"{G}/{gid}/leave")
        assert r.status_code == 409 and r.mimetype == PROBLEM
        assert admin2.delete(f"{G}/{gid}/members/{owner.username}").status_code == 403
    with subtests.test("ownership goes only from the owner to a member (m1 was removed above)"):
        assert mod.post(f"{G}/{gid}/ownership", json={"username": m1.username}).status_code == 403
        assert owner.post(f"{G}/{gid}/ownership", json={"username": m1.username}).status_code == 404
        r = owner.post(f"{G}/{gid}/ownership", json={"username": admin2.username})
        assert r.status_code == 200 and r.get_json()["viewer"] == {"role": "admin", "owner": False, "invited": False,
                                                                   "requested": False, "banned": False,
                                                                   "notifications": "highlights"}
        assert admin2.get(f"{G}/{gid}").get_json()["viewer"]["owner"] is True
    with subtests.test("the old owner is now a plain admin and may leave"):
        assert owner.post(f"{G}/{gid}/leave").status_code == 204
    with subtests.test("the last admin (the new owner) cannot leave"):
        r = admin2.post(f"{G}/{gid}/leave")
        assert r.status_code == 409 and "transfer" in r.get_json()["detail"]
        admins = [m for m in admin2.get(f"{G}/{gid}/members", query_string={"role": "admin"}).get_json()["items"]]
        assert [a["username"] for a in admins] == [admin2.username]
    with subtests.test("a moderator leaves once; a second leave is 404"):
        assert mod.post(f"{G}/{gid}/leave").status_code == 204
        assert mod.post(f"{G}/{gid}/leave").status_code == 404


def test_last_admin_rule_in_the_graph(app, make_user):
    """Even a direct delete of the last admin's membership is refused by the query's guard."""
    from socialgraph import stores

    owner = make_user("la")
    g = make_group(owner, "private")
    with app.app_context():
        rows = stores.graph().write("groups/delete_membership", group_id=g["id"], user=owner.uid)
    assert rows == [] or rows[0]["deleted"] == 0
    assert owner.get(f"{G}/{g['id']}").get_json()["viewer"]["role"] == "admin"


def test_group_posts_in_home_feed_pins_and_moderation(make_user):
    owner, member, follower = make_user("fo"), make_user("fm"), make_user("ff")
    g = make_group(owner, "private")
    owner.post(f"{G}/{g['id']}/invitations", json={"username": member.username})
    member.post(f"{G}/{g['id']}/join")
    follower.put(f"/api/v1/users/{owner.username}/follow")
    p = owner.post(f"{G}/{g['id']}/posts", json={"text": "welcome everyone"}).get_json()
    q = member.post(f"{G}/{g['id']}/posts", json={"text": "hello from a member"}).get_json()
    home = [x["id"] for x in member.get("/api/v1/feeds/home").get_json()["items"]]
    assert p["id"] in home and q["id"] in home
    # a follower of the author outside the group does not get it
    assert p["id"] not in [x["id"] for x in follower.get("/api/v1/feeds/home").get_json()["items"]]
    # pinned announcements: moderators and admins only
    assert member.put(f"{G}/{g['id']}/posts/{p['id']}/pin").status_code == 403
    r = owner.put(f"{G}/{g['id']}/posts/{p['id']}/pin")
    assert r.status_code == 200 and r.get_json()["pinned"] is True
    assert [x["id"] for x in member.get(f"{G}/{g['id']}/announcements").get_json()["items"]] == [p["id"]]
    owner.delete(f"{G}/{g['id']}/posts/{p['id']}/pin")
    assert member.get(f"{G}/{g['id']}/announcements").get_json()["items"] == []
    # authors and moderators delete group posts; other members do not
    assert member.delete(f"{G}/{g['id']}/posts/{p['id']}").status_code == 403
    assert owner.delete(f"{G}/{g['id']}/posts/{q['id']}").status_code == 204
    assert member.get(f"/api/v1/posts/{q['id']}").status_code == 404


def test_events_rsvp_and_activity(make_user):
    owner, member = make_user("eo"), make_user("em")
    g = make_group(owner)
    member.post(f"{G}/{g['id']}/join")
    start = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    r = member.post(f"{G}/{g['id']}/events", json={"title": "Tasting", "place": "The Cellar, Brno",
                                                   "starts_at": start.isoformat(),
                                                   "ends_at": (start + timedelta(hours=2)).isoformat()})
    assert r.status_code == 201, r.get_json()
    ev = r.get_json()
    assert ev["place"] == "The Cellar, Brno" and ev["rsvp_counts"] == {"going": 0, "interested": 0, "not_going": 0}
    bad = member.post(f"{G}/{g['id']}/events", json={"title": "x", "starts_at": start.isoformat(),
                                                      "ends_at": (start - timedelta(hours=1)).isoformat()})
    assert bad.status_code == 422
    assert member.post(f"{G}/{g['id']}/events", json={"title": "x", "starts_at": "2030-01-01T10:00:00"}).status_code == 422
    url = f"{G}/{g['id']}/events/{ev['id']}/rsvp"
    assert member.put(url, json={"status": "interested"}).get_json()["rsvp_counts"]["interested"] == 1
    r = member.put(url, json={"status": "going"}).get_json()
    assert r["rsvp_counts"] == {"going": 1, "interested": 0, "not_going": 0} and r["viewer_rsvp"] == "going"
    owner.put(url, json={"status": "going"})
    assert owner.put(url, json={"status": None}).get_json()["rsvp_counts"]["going"] == 1
    assert [e["id"] for e in member.get(f"{G}/{g['id']}/events").get_json()["items"]] == [ev["id"]]
    assert member.put(url, json={"status": "maybe"}).status_code == 422
    # activity figures: admins only; posts, comments, active members this week
    pid = member.post(f"{G}/{g['id']}/posts", json={"text": "first"}).get_json()["id"]
    owner.post(f"/api/v1/posts/{pid}/comments", json={"text": "nice"})
    owner.post(f"/api/v1/posts/{pid}/comments", json={"text": "again"})
    assert member.get(f"{G}/{g['id']}/activity").status_code == 403
    act = owner.get(f"{G}/{g['id']}/activity", query_string={"weeks": 2}).get_json()
    assert len(act["weeks"]) == 2 and act["member_count"] == 2
    assert {k: act["weeks"][0][k] for k in ("posts", "comments", "active_members")} == \
        {"posts": 1, "comments": 2, "active_members": 2}
    assert act["weeks"][1]["posts"] == 0


def test_group_and_people_suggestions(app, make_user):
    me, f1, f2, stranger = make_user("sme"), make_user("sf1"), make_user("sf2"), make_user("sst")
    befriend(app, me, f1)
    befriend(app, f2, me)  # either direction counts
    popular, secret, mine = make_group(f1, name="Hikers"), make_group(f1, "secret"), make_group(me, name="Mine")
    f2.post(f"{G}/{popular['id']}/join")
    other = make_group(f2, "private", name="Runners")
    sugg = me.get(f"{G}/suggestions").get_json()["items"]
    assert [s["id"] for s in sugg] == [popular["id"], other["id"]]
    assert sugg[0]["friends_in_group"] == 2
    assert secret["id"] not in [s["id"] for s in sugg] and mine["id"] not in [s["id"] for s in sugg]
    # people from groups: members in common who are not friends yet, blocks excluded
    for u in (stranger,):
        u.post(f"{G}/{popular['id']}/join")
    me.post(f"{G}/{popular['id']}/join")
    people = me.get(f"{G}/people-suggestions").get_json()["items"]
    assert [p["username"] for p in people] == [stranger.username] and people[0]["groups_in_common"] == 1
    stranger.put(f"/api/v1/users/{me.username}/block")
    assert me.get(f"{G}/people-suggestions").get_json()["items"] == []


def test_events_published(app, make_user, monkeypatch):
    from socialgraph.core import events

    seen = []
    monkeypatch.setattr(events, "SUBSCRIBERS", {})
    real = events.publish
    monkeypatch.setattr(events, "publish", lambda name, **kw: seen.append((name, kw)) or real(name, **kw))
    owner, u = make_user("vo"), make_user("vu")
    g = make_group(owner, "private")
    u.post(f"{G}/{g['id']}/join")
    owner.post(f"{G}/{g['id']}/join-requests/{u.username}/approve")
    p = u.post(f"{G}/{g['id']}/posts", json={"text": "hi"}).get_json()
    v = make_user("vv")
    owner.post(f"{G}/{g['id']}/invitations", json={"username": v.username})
    names = [(n, kw) for n, kw in seen]
    assert ("group.join_requested", {"group_id": g["id"], "requester": u.uid}) in names
    assert ("group.join_approved", {"group_id": g["id"], "user_id": u.uid, "approver": owner.uid}) in names
    assert ("group.post_created", {"group_id": g["id"], "post_id": p["id"], "author_id": u.uid}) in names
    assert ("group.invited", {"group_id": g["id"], "inviter": owner.uid, "invitee": v.uid}) in names


def test_cover_image_admins_only(make_user):
    import io

    import requests
    from PIL import Image

    owner, member = make_user("co"), make_user("cm")
    g = make_group(owner)
    member.post(f"{G}/{g['id']}/join")
    buf = io.BytesIO()
    Image.new("RGB", (3000, 1000), (10, 120, 200)).save(buf, format="PNG")
    png = buf.getvalue()
    form = lambda data: {"image": (io.BytesIO(data), "cover.png")}
    assert member.put(f"{G}/{g['id']}/cover", data=form(png), content_type="multipart/form-data").status_code == 403
    r = owner.put(f"{G}/{g['id']}/cover", data=form(b"GIF89a nope"), content_type="multipart/form-data")
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "cover"
    r = owner.put(f"{G}/{g['id']}/cover", data=form(png), content_type="multipart/form-data")
    assert r.status_code == 200
    got = requests.get(member.get(f"{G}/{g['id']}").get_json()["cover_url"], timeout=10)
    assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).format == "JPEG"
    assert Image.open(io.BytesIO(got.content)).size == (1080, 360)


def test_search_pages_by_name(client, make_user):
    from tests.conftest import unique

    owner = make_user("sp")
    tag = unique("zz")
    ids = [make_group(owner, privacy, f"{tag} {n}")["id"]
           for n, privacy in (("c", "public"), ("a", "private"), ("b", "public"), ("d", "secret"))]
    seen, cursor = [], None
    while True:
        r = client.get(G, query_string={"q": tag.upper(), "limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        page = r.get_json()
        seen += [g["name"] for g in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"{tag} a", f"{tag} b", f"{tag} c"]  # by name; the secret one absent for the anonymous
    assert [g["id"] for g in owner.get(G, query_string={"q": tag, "limit": 10}).get_json()["items"]][-1] == ids[3]
    assert client.get(G, query_string={"cursor": "garbage!"}).status_code == 400


def test_follow_a_group_closely(app, make_user):
    from socialgraph.groups import membership

    owner, keen, quiet, outsider = make_user("no"), make_user("nk"), make_user("nq"), make_user("nx")
    g = make_group(owner, "private")
    for u in (keen, quiet):
        owner.post(f"{G}/{g['id']}/invitations", json={"username": u.username})
        u.post(f"{G}/{g['id']}/join")
    assert keen.put(f"{G}/{g['id']}/notifications", json={"level": "all"}).get_json() == {"notifications": "all"}
    owner.put(f"{G}/{g['id']}/notifications", json={"level": "all"})
    assert quiet.put(f"{G}/{g['id']}/notifications", json={"level": "loud"}).status_code == 422
    assert outsider.put(f"{G}/{g['id']}/notifications", json={"level": "all"}).status_code == 404
    assert keen.get(f"{G}/{g['id']}").get_json()["viewer"]["notifications"] == "all"
    assert outsider.get(f"{G}/{g['id']}").get_json()["viewer"]["notifications"] is None
    with app.app_context():
        assert sorted(membership.close_followers(g["id"], exclude=owner.uid)) == [keen.uid]
