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
    alice.locator("li.notification", has_text="reacted").wait_for()

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
    assert page.locator("article.post img").count() == 0
