"""The reference web client in a real browser (Debian's headless Chromium driven
by Playwright) against the app on the real local servers.

Screenshots are kept in ``SG_ARTIFACTS_DIR`` (default ``.artifacts/e2e``).
Skipped when no Chromium is installed (``make test`` installs it when it can),
and failed instead under ``CI=true``.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import in_ci, missing, unique

CHROMIUM = os.environ.get("SG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("SG_ARTIFACTS_DIR", ".artifacts/e2e"))
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM and in_ci():  # at collection, before any server starts: a loud error, not a skip
    missing("Chromium not installed", "apt-get install chromium, or set SG_CHROMIUM to its path")
pytestmark = pytest.mark.skipif(not CHROMIUM, reason="Chromium not installed (apt-get install chromium)")


@pytest.fixture()
def server(live_server):
    return live_server


@pytest.fixture()
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_up_and_log_in(page, base, mailbox, name):
    page.goto(f"{base}/#/register")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Email").fill(f"{name}@example.test")
    page.get_by_label("Password (10 characters or more)").fill("browser password 1")
    page.get_by_role("button", name="Sign up").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    token = mailbox.last_token(f"{name}@example.test", "confirm")
    page.goto(f"{base}/#/verify?token={token}")
    page.get_by_role("heading", name="Email confirmed").wait_for()
    page.goto(f"{base}/#/login")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill("browser password 1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Home").wait_for()


def test_two_users_post_follow_see_and_react(server, browser, mailbox):
    alice_name, bob_name = unique("alice"), unique("bob")
    alice = browser.new_context(viewport={"width": 1100, "height": 900}).new_page()
    bob = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # a phone-sized screen
    errors = []
    for p in (alice, bob):
        p.on("pageerror", lambda exc: errors.append(str(exc)))

    sign_up_and_log_in(alice, server, mailbox, alice_name)
    sign_up_and_log_in(bob, server, mailbox, bob_name)
    shot(bob, "01-bob-empty-home")

    alice.get_by_label("What's happening?").fill("Hello from the browser #e2e")
    alice.get_by_role("button", name="Post").click()
    alice.locator("article.post", has_text="Hello from the browser").wait_for()
    shot(alice, "02-alice-posted")

    bob.goto(f"{server}/#/u/{alice_name}")
    bob.get_by_role("button", name="Follow").click()
    bob.get_by_role("button", name="Unfollow").wait_for()
    bob.goto(f"{server}/#/home")
    post = bob.locator("article.post", has_text="Hello from the browser")
    post.wait_for()
    post.locator("button[data-reaction=love]").click()
    post = bob.locator("article.post", has_text="Hello from the browser")
    bob.wait_for_function("() => document.querySelector('button[data-reaction=love]')?.getAttribute('aria-pressed') === 'true'")
    shot(bob, "03-bob-reacted")

    # alice, still on her page, gets the notifications live over the WebSocket: badge and toast
    alice.locator("#toast", has_text="reacted to your post").wait_for(timeout=15000)
    alice.locator("#unread", has_text="2").wait_for()  # bob's follow and his reaction
    shot(alice, "04-alice-notified-live")
    alice.reload()
    alice.locator("article.post button[data-reaction=love]", has_text="1").wait_for()
    alice.goto(f"{server}/#/notifications")
    alice.locator(".notification", has_text="reacted").wait_for()

    # a direct message, delivered live to the other side
    bob.goto(f"{server}/#/u/{alice_name}")
    bob.get_by_role("button", name="Message").click()
    bob.get_by_label("Message", exact=True).wait_for()
    conversation_url = bob.url
    alice.goto(conversation_url)
    alice.get_by_label("Message", exact=True).wait_for()
    bob.get_by_label("Message", exact=True).fill("hi alice, nice post")
    bob.get_by_role("button", name="Send").click()
    alice.locator("ol.messages li", has_text="hi alice, nice post").wait_for(timeout=15000)
    shot(alice, "05-alice-message-live")

    # a text story in the tray of a follower
    alice.goto(f"{server}/#/home")
    alice.get_by_label("New text story").fill("sunny day")
    alice.get_by_role("button", name="Add story").click()
    bob.goto(f"{server}/#/home")
    bob.get_by_role("link", name=f"Stories of {alice_name} (new)").click()
    bob.locator(".story-text", has_text="sunny day").wait_for()
    shot(bob, "06-bob-story")

    # groups: create one and post in it
    alice.goto(f"{server}/#/groups")
    alice.get_by_label("Name").fill("Brewers " + alice_name[-4:])
    alice.get_by_role("button", name="Create").click()
    alice.get_by_placeholder("Write in the group").fill("first group post")
    alice.get_by_role("button", name="Post").click()
    alice.locator("article.post", has_text="first group post").wait_for()
    shot(alice, "07-alice-group")
    assert not errors, errors
    # no token in persistent storage: the access token lives in memory, the refresh token per tab
    assert bob.evaluate("() => Object.keys(localStorage).length") == 0
    assert bob.evaluate("() => document.cookie") == ""


def test_client_renders_user_text_as_text(server, browser, make_user):
    author = make_user("xss")
    author.post("/api/v1/posts", json={"text": "<img src=x onerror=window.pwned=1> plain"})
    page = browser.new_page()
    page.goto(f"{server}/#/login")
    page.get_by_label("Username or email").fill(author.username)
    page.get_by_label("Password").fill(author.password)
    page.get_by_role("button", name="Log in").click()
    page.locator("article.post", has_text="<img src=x").wait_for()
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("article.post .text img").count() == 0


# -- issue 19: pictures, search, links, notifications, titles, contrast, errors, push ----------
def _contrast(rgb_fg: str, rgb_bg: str) -> float:
    """WCAG 2.1 contrast ratio of two CSS ``rgb(...)`` colours."""
    import re

    def lum(css):
        r, g, b = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    a, b = sorted((lum(rgb_fg), lum(rgb_bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_avatars_search_links_notifications_and_settings(app, server, browser, mailbox, make_user):
    from tests import mediafiles
    from tests.conftest import config

    with config(app, PUBLIC_BASE_URL=server):
        name = unique("pic")
        page = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server}/#/login")
        page.get_by_role("heading", name="Log in").wait_for()
        assert not page.locator("#nav").is_visible() and not page.get_by_role("button", name="Log out").is_visible()
        assert page.title() == "Log in · socialgraph"
        sign_up_and_log_in(page, server, mailbox, name)
        assert page.title() == "Home · socialgraph"

        # settings: upload a profile picture and a cover
        page.goto(f"{server}/#/me")
        page.get_by_label("Profile picture (square crop)").set_input_files(
            {"name": "me.jpg", "mimeType": "image/jpeg", "buffer": mediafiles.jpeg_with_gps(800, 600)})
        page.locator("[role=status]", has_text="Saved").first.wait_for()
        page.get_by_label("Cover photo (1500 × 500 crop)").set_input_files(
            {"name": "cover.png", "mimeType": "image/png", "buffer": mediafiles.png(900, 300, noise=True)})
        page.wait_for_function("() => document.querySelector('.pictures img.cover')?.complete")
        src = page.locator(".pictures img.avatar").get_attribute("src")
        assert "/api/v1/avatars/" in src and "?v=" in src
        assert page.evaluate("() => document.querySelector('.pictures img.avatar').naturalWidth") == 400
        shot(page, "19-01-settings-pictures")

        # a post with a hashtag and a mention; the avatar shows on it and on a comment
        other = make_user("pal")
        page.goto(f"{server}/#/home")
        page.get_by_label("What's happening?").fill(f"Brewing lagers today #issue19 with @{other.username}")
        page.get_by_role("button", name="Post").click()
        post = page.locator("article.post", has_text="Brewing lagers today")
        post.wait_for()
        assert "?v=" in post.locator("header img.avatar").get_attribute("src")
        assert post.locator("a.tag").first.get_attribute("href") == "#/tags/issue19"
        assert post.locator("a.mention").get_attribute("href") == f"#/u/{other.username}"
        assert ":" in post.locator("header time").inner_text()  # date and time
        assert post.locator(".comments-link").inner_text().endswith("0 comments")
        post.locator(".comments-link").click()
        page.get_by_placeholder("Write a comment").first.fill("first!")
        page.get_by_role("button", name="Send").first.click()
        comment = page.locator("li.comment", has_text="first!")
        comment.wait_for()
        assert "?v=" in comment.locator("img.avatar").get_attribute("src")
        page.locator(".comments-link", has_text="1 comment").wait_for()
        assert page.title().startswith(f"Post by @{name}")
        shot(page, "19-02-post-with-avatar-and-comment")

        # the hashtag page and search (a word in another user's post, found by another inflection)
        word = unique("zq").replace("_", "")
        other.post("/api/v1/posts", json={"text": f"Tasting notes on hoppy {word} ales"})
        page.goto(f"{server}/#/tags/issue19")
        page.locator("article.post", has_text="Brewing lagers today").wait_for()
        page.goto(f"{server}/#/search")
        page.get_by_label("Search posts and people").fill(f"{word.upper()} ale")
        page.get_by_role("button", name="Search").click()
        page.locator("article.post", has_text="Tasting notes on hoppy").wait_for()
        page.goto(f"{server}/#/search?q={other.username}")
        page.locator(".person a", has_text=other.username).wait_for()
        shot(page, "19-03-search")

        # notifications link to their profile or post; a friend request is answered inline
        other.put(f"/api/v1/users/{name}/follow")
        other.post(f"/api/v1/users/{name}/friend-request")
        page.goto(f"{server}/#/notifications")
        request = page.locator(".notification", has_text="sent you a friend request")
        request.wait_for()
        assert request.locator("a.notification-link").get_attribute("href") == f"#/u/{other.username}"
        shot(page, "19-04-notifications")
        request.get_by_role("button", name="Accept").click()
        request.locator(".handle", has_text="You are now friends").wait_for()
        assert other.get(f"/api/v1/users/{name}").get_json()["friendship"] == "friends"

        # the profile: cover, avatar, plurals
        page.goto(f"{server}/#/u/{name}")
        page.locator(".profile img.cover").wait_for()
        page.locator(".profile .counts", has_text="1 follower").wait_for()
        shot(page, "19-05-profile")
        assert not errors, errors


def test_contrast_errors_and_push_opt_in(server, browser, make_user):
    user = make_user("ctr")
    for scheme in ("light", "dark"):
        page = browser.new_context(color_scheme=scheme).new_page()
        page.goto(f"{server}/#/login")
        button = page.get_by_role("button", name="Log in")
        button.wait_for()
        fg, bg = button.evaluate("(b) => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]")
        assert _contrast(fg, bg) >= 4.5, (scheme, fg, bg)
        link = page.get_by_role("link", name="Create an account")
        card_bg = page.locator("form.card").evaluate("(f) => getComputedStyle(f).backgroundColor")
        assert _contrast(link.evaluate("(a) => getComputedStyle(a).color"), card_bg) >= 4.5, scheme
        shot(page, f"19-06-login-{scheme}")
        page.context.close()

    page = browser.new_page()
    page.goto(f"{server}/#/login")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    # the home feed's store is down: a plain-language message, not a blank page
    page.route("**/api/v1/feeds/home*", lambda r: r.fulfill(
        status=503, headers={"Content-Type": "application/problem+json", "Retry-After": "5"},
        body='{"type":"/problems/store-unavailable","title":"Service temporarily unavailable","status":503,'
             '"detail":"a store does not answer"}'))
    page.get_by_role("button", name="Log in").click()
    alert = page.locator("[role=alert]", has_text="briefly unavailable")
    alert.wait_for()
    assert "a store does not answer" not in page.inner_text("main")
    shot(page, "19-07-store-down")
    page.unroute("**/api/v1/feeds/home*")
    alert.get_by_role("button", name="Try again").click()
    page.locator("p.empty", has_text="Follow people").wait_for()

    # push: the service worker registers; headless Chromium has no push service, so the
    # subscription is refused and the page says so in plain words
    page.goto(f"{server}/#/me")
    page.get_by_role("button", name="Turn on push notifications").click()
    status = page.locator("section[aria-labelledby=push-h] [role=status]")
    page.wait_for_function("() => !document.querySelector('section[aria-labelledby=push-h] [role=status]')"
                           ".textContent.includes('Asking')")
    scope = page.evaluate("async () => (await navigator.serviceWorker.getRegistration('/web/'))?.scope")
    assert scope == f"{server}/web/"
    assert status.inner_text()  # either on, or a plain explanation
    shot(page, "19-08-push-opt-in")


def log_in(page, base, user):
    page.goto(f"{base}/#/login")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Home").wait_for()


def test_alt_text_comment_reactions_picture_stories_and_dm_badge(app, server, browser, make_user):
    """Issue 19's last four: alt text entered when posting, reactions on comments
    (live for the comment's author), photo and video stories with the author's
    viewer list, and the DM unread badge (live, cleared by reading)."""
    from tests import mediafiles
    from tests.conftest import config

    with config(app, PUBLIC_BASE_URL=server):
        alice_user, bob_user = make_user("alta"), make_user("altb")
        bob_user.put(f"/api/v1/users/{alice_user.username}/follow")
        alice = browser.new_context(viewport={"width": 1000, "height": 900}).new_page()
        bob = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        errors = []
        for p in (alice, bob):
            p.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(alice, server, alice_user)
        log_in(bob, server, bob_user)

        # (a) alt text: one field per chosen file, stored as the media description, shown as the img alt
        alice.get_by_label("What's happening?").fill("Stout night")
        alice.get_by_label("Images or videos (up to 10)").set_input_files(
            {"name": "stout.png", "mimeType": "image/png", "buffer": mediafiles.png(120, 90, noise=True)})
        alice.get_by_label("Alt text for stout.png").fill("A pint of dark stout with a thick head")
        alice.get_by_role("button", name="Post").click()
        post = alice.locator("article.post", has_text="Stout night")
        img = post.locator(".media img")
        img.wait_for()
        assert img.get_attribute("alt") == "A pint of dark stout with a thick head"
        assert alice.get_by_label("Alt text for stout.png").count() == 0  # the form is cleared
        post_id = post.get_attribute("data-post-id")
        media = alice_user.get(f"/api/v1/posts/{post_id}").get_json()["media"]
        assert [m["description"] for m in media] == ["A pint of dark stout with a thick head"]
        shot(alice, "19-09-alt-text")

        # (b) reactions on comments: bob reacts to alice's comment; alice, on the post, sees it live
        cid = alice_user.post(f"/api/v1/posts/{post_id}/comments", json={"text": "first pour"}).get_json()["id"]
        alice.goto(f"{server}/#/post/{post_id}")
        mine = alice.locator(f"li.comment[data-comment-id='{cid}']")
        mine.wait_for()
        bob.goto(f"{server}/#/post/{post_id}")
        theirs = bob.locator(f"li.comment[data-comment-id='{cid}']")
        theirs.locator("button[data-reaction=laugh]").click()
        theirs.locator("button[data-reaction=laugh][aria-pressed=true]", has_text="1").wait_for()
        mine.locator("button[aria-label='laugh (1)']").wait_for(timeout=15000)  # live, no reload
        # a comment written by bob appears live under alice's post, counted
        bob.get_by_placeholder("Write a comment").first.fill("looks great")
        bob.get_by_role("button", name="Send").first.click()
        alice.locator("li.comment", has_text="looks great").wait_for(timeout=15000)
        alice.locator("article.post .comments-link", has_text="2 comments").wait_for()
        # taking a reaction back
        theirs.locator("button[data-reaction=laugh]").click()
        theirs.locator("button[data-reaction=laugh][aria-pressed=false]").wait_for()
        assert bob_user.get(f"/api/v1/comments/{cid}").get_json()["reactions"] == {}
        shot(alice, "19-10-comment-reactions")

        # (c) photo and video stories, 24 h, with the viewer list for the author
        alice.goto(f"{server}/#/home")
        alice.get_by_label("New text story").fill("golden hour")
        alice.get_by_label("Photo or video for a story").set_input_files(
            {"name": "sky.jpg", "mimeType": "image/jpeg", "buffer": mediafiles.jpeg_with_gps(600, 800)})
        alice.get_by_role("button", name="Add story").click()
        alice.locator("#toast", has_text="Story posted for 24 hours").wait_for()
        alice.get_by_label("Photo or video for a story").set_input_files(
            {"name": "clip.mp4", "mimeType": "video/mp4", "buffer": mediafiles.video("mp4", frames=6)})
        alice.get_by_role("button", name="Add story").click()
        alice.locator("a.ring[data-count='2']", has_text=alice_user.username).wait_for()
        bob.goto(f"{server}/#/home")
        bob.get_by_role("link", name=f"Stories of {alice_user.username} (new)").click()
        photo = bob.locator("img.story-media")
        photo.wait_for()
        assert photo.get_attribute("alt") == "golden hour"
        bob.wait_for_function("() => document.querySelector('img.story-media')?.naturalWidth > 0")
        bob.locator(".story-caption", has_text="golden hour").wait_for()
        assert "disappears" in bob.locator(".story .handle").inner_text()
        assert bob.locator(".viewers").count() == 0  # only the author sees who viewed
        shot(bob, "19-11-photo-story")
        bob.get_by_role("button", name="Next").click()
        bob.locator("video.story-media").wait_for()
        assert bob.locator("video.story-media").get_attribute("aria-label") == f"Video story by @{alice_user.username}"
        alice.goto(f"{server}/#/stories/{alice_user.username}")
        alice.get_by_role("heading", name="Seen by 1 person").wait_for()
        alice.locator(".viewers li", has_text=bob_user.username).wait_for()
        shot(alice, "19-12-story-viewers")

        # (d) the DM unread badge: live in the nav and on the conversation, gone once read
        alice.goto(f"{server}/#/home")
        conv = bob_user.post("/api/v1/conversations", json={"members": [alice_user.username]}).get_json()["id"]
        bob_user.post(f"/api/v1/conversations/{conv}/messages", json={"text": "fancy a pint?"})
        badge = alice.locator("#dm-unread")
        badge.filter(has_text="1").wait_for(timeout=15000)
        assert alice.get_by_role("link", name="Messages (1 unread conversation)").is_visible()
        alice.goto(f"{server}/#/messages")
        row = alice.locator(f"li[data-conversation-id='{conv}']")
        row.locator(".badge", has_text="1").wait_for()
        shot(alice, "19-13-dm-unread")
        row.get_by_role("link").click()
        alice.locator("ol.messages li", has_text="fancy a pint?").wait_for()
        badge.wait_for(state="hidden")
        assert alice_user.get("/api/v1/conversations/unread-count").get_json() == {"conversations": 0}
        # a message arriving while the conversation is open is read at once
        late = bob_user.post(f"/api/v1/conversations/{conv}/messages", json={"text": "at eight"}).get_json()["id"]
        alice.locator("ol.messages li", has_text="at eight").wait_for(timeout=15000)
        alice.locator(f"ol.messages[data-read-up-to='{late}']").wait_for()
        alice.goto(f"{server}/#/messages")
        row.wait_for()
        assert row.locator(".badge").count() == 0 and not badge.is_visible()
        assert not errors, errors


#: every visible text (and placeholder) whose WCAG 2.1 contrast against its effective
#: background is under 4.5:1 (3:1 for large text); disabled controls are exempt
CONTRAST_SCAN = r"""
() => {
  // WCAG 2.1 contrast of every visible text against its effective background
  const parse = (c) => { const m = c.match(/[\d.]+/g) || []; return [+m[0] || 0, +m[1] || 0, +m[2] || 0, m[3] === undefined ? 1 : +m[3]]; };
  const blend = (top, under) => { const a = top[3]; return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1); };
  const bgOf = (el) => {
    const stack = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { stack.push(c); if (c[3] >= 1) break; }
    }
    let base = [255, 255, 255, 1];
    if (!stack.length || stack[stack.length - 1][3] < 1) base = parse(getComputedStyle(document.documentElement).backgroundColor)[3] ? parse(getComputedStyle(document.documentElement).backgroundColor) : base;
    for (let i = stack.length - 1; i >= 0; i--) base = blend(stack[i], base);
    return base;
  };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const bad = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility?.() || el.closest("[hidden]")) continue;
    if (el.matches(":disabled")) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    const isControl = el.matches("input:not([type=file]),textarea") && (el.value || el.placeholder);
    if (!text && !isControl) continue;
    const st = getComputedStyle(el);
    const bg = bgOf(el);
    const fg = blend(parse(st.color), bg);
    const size = parseFloat(st.fontSize), bold = +st.fontWeight >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const r = ratio(fg, bg);
    if (r < need) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${(text || el.placeholder || el.value).slice(0, 30)}" ${r.toFixed(2)}`);
    if (isControl && el.placeholder && !el.value) {
      // placeholder colour
      const ph = getComputedStyle(el, "::placeholder").color;
      const pr = ratio(blend(parse(ph), bg), bg);
      if (pr < 4.5) bad.push(`placeholder ${el.id} ${pr.toFixed(2)}`);
    }
  }
  return bad;
}
"""


def test_rewalk_of_the_issue_list(app, server, browser, mailbox, make_user, client):
    """Issue 19's web-client list walked again as two new users: no "null" on any
    page, AA contrast of all text and placeholders in both themes, a title per
    view, a group with its description, members and posts, notifications paged
    and answered inline, media that finish processing, dates on messages,
    plurals, and an outage that neither blanks the page nor logs one out."""
    from tests import mediafiles
    from tests.conftest import ApiUser, config

    with config(app, PUBLIC_BASE_URL=server):
        name = unique("walk")
        pal = make_user("walkpal")
        page = browser.new_context(color_scheme="dark", viewport={"width": 1000, "height": 900}).new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_up_and_log_in(page, server, mailbox, name)
        pal.put(f"/api/v1/users/{name}/follow")
        pal.post(f"/api/v1/users/{name}/friend-request")
        pid = pal.post("/api/v1/posts", json={"text": "walk thread"}).get_json()["id"]
        # a reply chain deeper than the thread shows inline: "Show all 1 reply"
        parent = None
        for depth in range(5):
            parent = pal.post(f"/api/v1/posts/{pid}/comments",
                              json={"text": f"level {depth}", "parent_id": parent}).get_json()["id"]
        conv = pal.post("/api/v1/conversations", json={"members": [name]}).get_json()["id"]
        pal.post(f"/api/v1/conversations/{conv}/messages", json={"text": "hello walker"})

        # every view: its own title, no stray "null", AA contrast (dark theme here, light below)
        views = {"home": "Home", "discover": "Discover", "search?q=walk": "Search: walk", "tags/walk": "#walk",
                 "notifications": "Notifications", "messages": "Messages", "groups": "Groups", "me": "Settings",
                 f"u/{pal.username}": f"{pal.username} (@{pal.username})", f"post/{pid}": f"Post by @{pal.username}",
                 f"messages/{conv}": f"@{pal.username}"}
        for route, title in views.items():
            page.goto(f"{server}/#/{route}")
            page.wait_for_function("(t) => document.title === t + ' · socialgraph'"
                                   " && !document.querySelector('[aria-busy=true], .loading:not([hidden])')", arg=title)
            assert "null" not in page.inner_text("main").split(), route
            assert page.evaluate(CONTRAST_SCAN) == [], route
        shot(page, "19-14-walk-dark-conversation")
        assert ":" in page.locator("ol.messages li time").first.inner_text()  # DM timestamps: date and time
        page.goto(f"{server}/#/post/{pid}")
        page.get_by_role("button", name="Show all 1 reply").wait_for()

        # a group: description entered at creation, member list, and the first post replaces "No posts yet."
        page.goto(f"{server}/#/groups")
        page.get_by_label("Name").fill("Walkers " + name[-4:])
        page.get_by_label("Description (what the group is about)").fill("Long walks to #breweries")
        page.get_by_role("button", name="Create").click()
        page.locator(".description", has_text="Long walks to").wait_for()
        assert page.locator(".description a.tag").get_attribute("href") == "#/tags/breweries"
        page.locator(".handle", has_text="public group · 1 member").wait_for()
        page.locator(".members li", has_text=name).wait_for()
        page.get_by_text("Edit description").click()  # an admin edits it in place
        page.get_by_label("Group description").fill("Long walks to #breweries, every Sunday")
        page.get_by_role("button", name="Save description").click()
        page.locator(".description", has_text="every Sunday").wait_for()
        page.locator("p.empty", has_text="No posts yet.").wait_for()
        page.get_by_placeholder("Write in the group").fill("first walk")
        page.get_by_role("button", name="Post").click()
        page.locator("article.post", has_text="first walk").wait_for()
        assert page.locator("p.empty", has_text="No posts yet.").count() == 0
        assert page.evaluate(CONTRAST_SCAN) == []
        shot(page, "19-15-walk-group")

        # a new image post that is still processing is replaced by the image once ready
        def processing(route):
            response = route.fetch()
            body = response.json()
            for m in body.get("media") or []:
                m.update(status="processing", urls={})
            route.fulfill(response=response, json=body)

        page.route("**/api/v1/posts", processing)
        page.goto(f"{server}/#/home")
        page.get_by_label("Images or videos (up to 10)").set_input_files(
            {"name": "a.png", "mimeType": "image/png", "buffer": mediafiles.png(60, 40)})
        page.get_by_role("button", name="Post").click()
        page.locator("article.post [role=status]", has_text="Processing media…").wait_for()
        page.locator("article.post .media img").first.wait_for(timeout=15000)
        assert page.locator("text=Processing media…").count() == 0
        page.unroute("**/api/v1/posts")

        # notifications: 25 separate ones page in as the list is scrolled; a request is declined inline
        tokens = client.post("/api/v1/auth/login", json={"login": name, "password": "browser password 1"}).get_json()
        walker = ApiUser(client, name, f"{name}@example.test", "browser password 1", tokens, None)
        fan = make_user("walkfan")
        for i in range(22):  # one notification per post: 22 + the follow + the friend request
            q = walker.post("/api/v1/posts", json={"text": f"mine {i}"}).get_json()["id"]
            fan.put(f"/api/v1/posts/{q}/reaction", json={"type": "like"})
        page.goto(f"{server}/#/notifications")
        page.locator(".notification").nth(19).wait_for()
        assert page.locator(".notification").count() == 20  # one page until the end of the list is reached
        page.locator(".notification").nth(19).scroll_into_view_if_needed()
        request = page.locator(".notification", has_text="sent you a friend request")  # the oldest: page 2
        request.get_by_role("button", name="Decline").click()
        request.locator(".handle", has_text="Declined").wait_for()
        assert page.locator(".notification").count() == 24
        assert page.locator(".notification", has_text="followed you").count() == 1
        assert pal.get(f"/api/v1/users/{name}").get_json()["friendship"] == "none"
        shot(page, "19-16-walk-notifications")

        # a store outage while the page is reloaded: a plain message and a way back, still logged in
        page.route("**/api/v1/me", lambda r: r.fulfill(
            status=503, headers={"Content-Type": "application/problem+json", "Retry-After": "5"},
            body='{"type":"/problems/store-unavailable","title":"Service temporarily unavailable","status":503}'))
        page.reload()
        alert = page.locator("[role=alert]", has_text="briefly unavailable")
        alert.wait_for()
        assert alert.get_by_role("heading").inner_text() == "Briefly unavailable"
        assert page.get_by_role("heading", name="Log in").count() == 0
        shot(page, "19-17-walk-outage-on-reload")
        page.unroute("**/api/v1/me")
        alert.get_by_role("button", name="Try again").click()
        page.get_by_role("heading", name="Notifications").wait_for()
        assert not errors, errors

    # the light theme: the same scan on the busiest pages
    light = browser.new_context(color_scheme="light").new_page()
    log_in(light, server, pal)
    for route in ("home", f"post/{pid}", f"messages/{conv}", "notifications", "me"):
        light.goto(f"{server}/#/{route}")
        light.wait_for_function("() => !document.querySelector('[aria-busy=true], .loading:not([hidden])')")
        assert light.evaluate(CONTRAST_SCAN) == [], route


def test_password_reset_mail_opens_the_clients_page(app, server, browser, mailbox, make_user):
    """The reset mail links to a page of the client (like the verification mail),
    not to API instructions only: ask, follow the link, choose, log in."""
    from tests.conftest import config

    user = make_user("reset")
    with config(app, PUBLIC_BASE_URL=server):
        page = browser.new_page()
        page.goto(f"{server}/#/login")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_role("heading", name="Reset your password").wait_for()
        assert page.title() == "Reset your password · socialgraph"
        page.get_by_label("Email").fill(user.email)
        page.get_by_role("button", name="Send me a link").click()
        page.get_by_role("heading", name="Check your email").wait_for()
    body = [m for m in mailbox.messages_to(user.email) if "reset" in m["Subject"].lower()][-1].get_content()
    link = next(line.strip() for line in body.splitlines() if "/#/reset?token=" in line)
    assert link.startswith(f"{server}/#/reset?token=")
    page.goto(link)
    page.get_by_label("New password (10 characters or more)").fill("a fresh reset passphrase")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="Password changed").wait_for()
    page.goto(f"{server}/#/login")
    page.goto(link)  # a used link says so in plain words
    page.get_by_label("New password (10 characters or more)").fill("another reset passphrase")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="This link does not work").wait_for()
    page.goto(f"{server}/#/login")
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill("a fresh reset passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Home").wait_for()
    shot(page, "19-18-after-password-reset")
