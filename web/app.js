// socialgraph reference web client: plain ES modules, no build step, only the
// public REST API (+ the WebSocket once available). Every piece of user content
// is put into the page as text nodes (never innerHTML), so posts cannot inject markup.
import { api, ApiError, clearSession, hasSession, openStream, setSession } from "./api.js";

const main = document.getElementById("main");
const REACTIONS = { like: "👍", love: "❤️", laugh: "😂", angry: "😠", sad: "😢" };
let me = null;
let stream = null;
let unread = 0;
let dmUnread = 0;
let openConversation = null;  // id of the conversation on screen (its messages are read as they come)
const unreadSeen = new Set();  // unread notification ids counted in the badge (a grouped one counts once)
const frameListeners = new Set();

// -- tiny DOM helper ----------------------------------------------------------
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function toast(message) {
  const t = document.getElementById("toast");
  t.textContent = message;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), 4000);
}

// Replace the children of `el`, leaving out null/false (DOM's replaceChildren would
// write them as the words "null" and "false").
export function fill(el, ...nodes) {
  el.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined && n !== false));
  return el;
}

function render(...nodes) {
  fill(main, ...nodes);
  main.focus({ preventScroll: true });
}

// A title per view ("Home · socialgraph"), for tabs, history and screen readers.
export function setTitle(text) {
  document.title = text ? `${text} · socialgraph` : "socialgraph";
}

// "1 comment", "2 comments" (English plurals; `many` defaults to one + "s").
export function plural(n, one, many = `${one}s`) {
  return `${n ?? 0} ${Number(n) === 1 ? one : many}`;
}

// Date and time, in the reader's locale ("Dec 1, 2026, 22:31"), full text on hover.
function when(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return h("time", { datetime: iso, title: d.toLocaleString() },
    d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }));
}

// The avatar of any user object of the API (a generated one when they have none).
function avatar(u, size = 48) {
  const url = (u?.avatar_urls && (size > 96 ? u.avatar_urls["400"] : size > 48 ? u.avatar_urls["96"] : u.avatar_urls["48"]))
    || u?.avatar_url;
  return url ? h("img", { class: "avatar", src: url, alt: "", width: size, height: size, loading: "lazy" })
    : h("span", { class: "avatar", style: null, "aria-hidden": "true" });
}

// Post text with #hashtags and @mentions as links; everything stays text nodes.
const TOKEN_RE = /(^|[^\p{L}\p{N}_#@])([#@])([\p{L}_][\p{L}\p{N}_]{0,99})/gu;
export function richText(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN_RE)) {
    const start = m.index + m[1].length;
    if (start > last) out.push(text.slice(last, start));
    const word = m[3];
    out.push(m[2] === "#" ? h("a", { href: `#/tags/${encodeURIComponent(word.toLowerCase())}`, class: "tag" }, `#${word}`)
      : /^[A-Za-z0-9_]{3,30}$/.test(word) ? h("a", { href: `#/u/${word.toLowerCase()}`, class: "mention" }, `@${word}`) : `@${word}`);
    last = start + 1 + word.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// A plain-language error panel with a way to try again (never a blank page).
function errorState(err, retry) {
  return h("section", { class: "card error", role: "alert" },
    h("h1", {}, err?.status === 404 ? "Not found" : err?.status === 503 ? "Briefly unavailable"
      : err?.status === 0 ? "You are offline" : "Something went wrong"),
    h("p", {}, err?.message || "Please try again."),
    retry ? h("button", { type: "button", onclick: retry }, "Try again") : null);
}

function formErrors(form, err) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  const fields = err instanceof ApiError ? err.fieldErrors() : {};
  for (const [name, msg] of Object.entries(fields)) {
    const input = form.elements[name];
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.after(h("span", { class: "field-error", role: "alert" }, msg));
    }
  }
  if (!Object.keys(fields).length) form.append(h("p", { class: "field-error", role: "alert" }, err.message));
}

// -- auth views ---------------------------------------------------------------
function field(label, name, type = "text", extra = {}) {
  const id = `f-${name}`;
  return h("p", {}, h("label", { for: id }, label), h("input", { id, name, type, required: true, ...extra }));
}

function loginView() {
  const form = h("form", { class: "card", "aria-labelledby": "login-h" },
    h("h1", { id: "login-h" }, "Log in"),
    field("Username or email", "login", "text", { autocomplete: "username" }),
    field("Password", "password", "password", { autocomplete: "current-password" }),
    h("button", { type: "submit" }, "Log in"),
    h("p", {}, "New here? ", h("a", { href: "#/register" }, "Create an account")),
    h("p", {}, h("a", { href: "#/forgot" }, "Forgot your password?")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const res = await api.login({ login: form.elements.login.value, password: form.elements.password.value });
      if (res.mfa_required) return mfaView(res.mfa_token);
      setSession(res);
      await loadMe();
      location.hash = "#/home";
    } catch (err) { formErrors(form, err); }
  });
  render(form);
}

function mfaView(mfaToken) {
  const form = h("form", { class: "card", "aria-labelledby": "mfa-h" },
    h("h1", { id: "mfa-h" }, "Two-factor authentication"),
    field("Code from your authenticator app (or a backup code)", "code", "text",
      { autocomplete: "one-time-code", inputmode: "numeric" }),
    h("button", { type: "submit" }, "Verify"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      setSession(await api.loginMfa({ mfa_token: mfaToken, code: form.elements.code.value.trim() }));
      await loadMe();
      location.hash = "#/home";
    } catch (err) { formErrors(form, err); }
  });
  render(form);
}

function registerView() {
  const form = h("form", { class: "card", "aria-labelledby": "reg-h" },
    h("h1", { id: "reg-h" }, "Create an account"),
    field("Username", "username", "text", { autocomplete: "username", pattern: "[A-Za-z0-9_]{3,30}" }),
    field("Email", "email", "email", { autocomplete: "email" }),
    field("Password (10 characters or more)", "password", "password", { autocomplete: "new-password", minlength: 10 }),
    h("button", { type: "submit" }, "Sign up"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api.register({ username: form.elements.username.value, email: form.elements.email.value,
                           password: form.elements.password.value });
      render(h("section", { class: "card" }, h("h1", {}, "Check your email"),
        h("p", {}, "We sent you a link to confirm your address. Then ", h("a", { href: "#/login" }, "log in"), ".")));
    } catch (err) { formErrors(form, err); }
  });
  render(form);
}

// Password reset: ask for the mail, then the mail's link (#/reset?token=...) sets a new password.
function forgotView() {
  const form = h("form", { class: "card", "aria-labelledby": "forgot-h" },
    h("h1", { id: "forgot-h" }, "Reset your password"),
    field("Email", "email", "email", { autocomplete: "email" }),
    h("button", { type: "submit" }, "Send me a link"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api.passwordReset(form.elements.email.value.trim());
      render(h("section", { class: "card" }, h("h1", {}, "Check your email"),
        h("p", {}, "If an account has this address, we sent it a link to choose a new password.")));
    } catch (err) { formErrors(form, err); }
  });
  render(form);
}

function resetView(params) {
  const form = h("form", { class: "card", "aria-labelledby": "reset-h" },
    h("h1", { id: "reset-h" }, "Choose a new password"),
    field("New password (10 characters or more)", "password", "password", { autocomplete: "new-password", minlength: 10 }),
    h("button", { type: "submit" }, "Change password"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api.confirmPasswordReset(params.get("token") || "", form.elements.password.value);
      render(h("section", { class: "card" }, h("h1", {}, "Password changed"),
        h("p", {}, "You were logged out everywhere. ", h("a", { href: "#/login" }, "Log in"), " with the new password.")));
    } catch (err) {
      if (err.status === 401) {
        return render(h("section", { class: "card" }, h("h1", {}, "This link does not work"),
          h("p", { role: "alert" }, "It has expired or was used already. ", h("a", { href: "#/forgot" }, "Ask for a new one"), ".")));
      }
      formErrors(form, err);
    }
  });
  render(form);
}

async function verifyView(params) {
  try {
    await api.verifyEmail(params.get("token") || "");
    render(h("section", { class: "card" }, h("h1", {}, "Email confirmed"), h("a", { href: "#/login" }, "Log in")));
  } catch (err) {
    render(h("section", { class: "card" }, h("h1", {}, "This link does not work"), h("p", { role: "alert" }, err.message)));
  }
}

// -- posts --------------------------------------------------------------------
// Typed reactions (posts and comments alike): one button per type with its count;
// pressing one's own reaction again takes it back. `bar.update(counts, mine)`
// redraws it when the server says the counts changed (a live notification).
function reactions(label, counts, mine, send) {
  const wrap = h("div", { class: "reactions", role: "group", "aria-label": label });
  const draw = () => wrap.replaceChildren(...Object.entries(REACTIONS).map(([type, emoji]) => {
    const n = counts?.[type] || 0;
    const pressed = mine === type;
    return h("button", {
      type: "button", class: "reaction", "aria-pressed": String(pressed), "aria-label": `${type} (${n})`,
      dataset: { reaction: type },
      onclick: async () => {
        try { const res = await send(pressed ? null : type); wrap.update(res.counts, res.reaction); }
        catch (err) { toast(err.message); }
      },
    }, `${emoji} ${n || ""}`);
  }));
  wrap.update = (c, m) => { counts = c || {}; mine = m ?? null; draw(); };
  draw();
  return wrap;
}

function reactionBar(post) {
  return reactions("Reactions", post.counts?.reactions, post.viewer_reaction,
    (type) => (type ? api.react(post.id, type) : api.unreact(post.id)));
}

function commentReactionBar(c) {
  return reactions("Reactions to this comment", c.reactions, c.viewer_reaction,
    (type) => (type ? api.reactComment(c.id, type) : api.unreactComment(c.id)));
}

export function postCard(post) {
  const author = post.author || {};
  const card = h("article", { class: "post", dataset: { postId: post.id } },
    h("header", {}, avatar(author, 48),
      h("a", { href: `#/u/${author.username}`, class: "author" }, author.display_name || author.username || "unknown"),
      " ", h("span", { class: "handle" }, `@${author.username}`), " · ",
      h("a", { href: `#/post/${post.id}` }, when(post.created_at))),
    post.content_warning ? h("p", { class: "cw" }, `⚠ ${post.content_warning}`) : null,
    post.text ? h("p", { class: "text" }, richText(post.text)) : null,
    mediaGrid(post.media),
    post.shared_post ? h("blockquote", { class: "shared" },
      h("a", { href: `#/u/${post.shared_post.author?.username}` }, `@${post.shared_post.author?.username}`),
      h("p", {}, post.shared_post.text || "")) : null,
    post.share_unavailable ? h("p", { class: "empty" }, "This post is no longer available.") : null,
    post.hashtags?.length ? h("p", { class: "tags" }, post.hashtags.flatMap((t) => [h("a", { href: `#/tags/${encodeURIComponent(t)}` }, `#${t}`), " "])) : null,
    h("footer", {}, reactionBar(post),
      h("a", { href: `#/post/${post.id}`, class: "comments-link", dataset: { count: String(post.counts?.comments || 0) } },
        `💬 ${plural(post.counts?.comments || 0, "comment")}`),
      post.visibility === "public" && post.kind !== "repost" ? h("button", { type: "button", class: "link", onclick: async () => {
        try { await api.share(post.id); toast("Shared to your followers"); } catch (err) { toast(err.message); }
      } }, `🔁 ${post.counts?.shares || 0}`) : null));
  if (me && author.uid === me.uid) {
    card.querySelector("footer").append(h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Delete this post?")) return;
      await api.deletePost(post.id);
      card.remove();
    } }, "Delete"));
  }
  return card;
}

function mediaGrid(media) {
  if (!media?.length) return null;
  return h("div", { class: "media" }, media.map((m) => mediaItem(m)));
}

// One attachment; one still being processed is polled (1 s, then slower) until it is ready.
function mediaItem(m, tries = 0) {
  if (m.status === "processing" || m.status === "awaiting_upload") {
    const wait = h("p", { class: "empty", role: "status" }, "Processing media…");
    if (tries < 60) setTimeout(async () => {
      if (!document.body.contains(wait)) return;
      try { wait.replaceWith(mediaItem(await api.media(m.id), tries + 1)); } catch { /* keep waiting */ }
    }, Math.min(1000 * (1 + tries / 5), 5000));
    return wait;
  }
  {
    if (m.status !== "ready") return h("p", { class: "empty" }, "Media could not be processed.");
    if (m.kind === "video") return h("video", { controls: true, preload: "metadata", src: m.urls?.mp4 || m.urls?.full,
      poster: m.poster_url || undefined, "aria-label": m.description || "Video without a description" });
    return h("img", { src: m.urls?.large || m.urls?.full, alt: m.description || "Image without a description",
      loading: "lazy", width: m.width, height: m.height });
  }
}

function composer(onPosted) {
  const form = h("form", { class: "composer", "aria-label": "New post" },
    h("label", { for: "compose-text", class: "visually-hidden" }, "What's happening?"),
    h("textarea", { id: "compose-text", name: "text", maxlength: 5000, rows: 3, placeholder: "What's happening?" }),
    h("p", {}, h("label", { for: "compose-media" }, "Images or videos (up to 10)"),
      h("input", { id: "compose-media", name: "media", type: "file", accept: "image/*,video/*", multiple: true })),
    h("div", { class: "alts" }),
    h("p", {}, h("label", { for: "compose-audience" }, "Audience"),
      h("select", { id: "compose-audience", name: "visibility" },
        ["public", "followers", "friends", "close_friends", "only_me"].map((v) => h("option", { value: v }, v.replace("_", " "))))),
    h("button", { type: "submit" }, "Post"));
  // one alt-text field per chosen file: what it shows, for people who cannot see it
  const alts = form.querySelector(".alts");
  form.elements.media.addEventListener("change", () => alts.replaceChildren(
    ...[...form.elements.media.files].slice(0, 10).map((f, i) => h("p", {},
      h("label", { for: `compose-alt-${i}` }, `Alt text for ${f.name}`),
      h("textarea", { id: `compose-alt-${i}`, name: `alt-${i}`, maxlength: 1500, rows: 2,
                      placeholder: "Describe it for people who cannot see it" })))));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const files = [...form.elements.media.files].slice(0, 10);
      const media_ids = [];
      for (const [i, f] of files.entries()) {
        media_ids.push((await api.uploadMedia(f, form.elements[`alt-${i}`]?.value.trim())).id);
      }
      const post = await api.createPost({ text: form.elements.text.value, visibility: form.elements.visibility.value,
                                          ...(media_ids.length ? { media_ids } : {}) });
      form.reset();
      alts.replaceChildren();
      onPosted(post);
    } catch (err) { formErrors(form, err); }
    button.disabled = false;
  });
  return form;
}

// A list that loads the next page when its end scrolls into view (cursor pagination).
function infiniteList(load, renderItem, empty = "Nothing here yet.") {
  const list = h("div", { class: "list", role: "feed", "aria-busy": "false" });
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  const loading = h("p", { class: "loading", role: "status" }, "Loading…");
  const container = h("div", {}, list, loading, sentinel);
  let cursor = null, done = false, busy = false, count = 0;
  async function more() {
    if (busy || done) return;
    busy = true; list.setAttribute("aria-busy", "true"); loading.hidden = false;
    try {
      const page = await load(cursor);
      page.items.forEach((it) => list.append(renderItem(it)));
      count += page.items.length;
      cursor = page.next_cursor;
      done = !cursor;
      if (done && !count) list.append(h("p", { class: "empty" }, empty));
    } catch (err) {
      list.append(h("p", { class: "field-error", role: "alert" }, err.message, " ",
        h("button", { type: "button", class: "link", onclick: (e) => { e.target.parentNode.remove(); done = false; more(); } }, "Try again")));
      done = true;
    }
    busy = false; list.setAttribute("aria-busy", "false");
    loading.hidden = true;
    if (!done && sentinel.getBoundingClientRect().top < innerHeight + 200) more();
  }
  new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && more()).observe(sentinel);
  more();
  container.prepend = (node) => { list.querySelectorAll(":scope > .empty").forEach((e) => e.remove()); count++; list.prepend(node); };
  return container;
}

function feedView(kind) {
  const title = kind === "home" ? "Home" : "Discover";
  setTitle(title);
  const feed = infiniteList((c) => (kind === "home" ? api.home(c) : api.discover(c)), postCard,
    kind === "home" ? "Follow people to fill your home feed." : "No posts yet.");
  render(h("h1", {}, title), kind === "home" ? storyTray() : suggestionsBox(),
         kind === "home" ? composer((p) => feed.prepend(postCard(p))) : null, feed);
}

function storyTray() {
  const tray = h("div", { class: "tray" });
  const add = h("form", { class: "story-new" },
    h("label", { for: "story-text", class: "visually-hidden" }, "New text story"),
    h("input", { id: "story-text", name: "text", maxlength: 200, placeholder: "New story (text or caption)" }),
    h("label", { for: "story-file", class: "file-button" }, "Photo or video for a story"),
    h("input", { id: "story-file", name: "file", type: "file", accept: "image/jpeg,image/png,image/webp,image/gif,video/*" }),
    h("button", { type: "submit" }, "Add story"));
  add.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = add.elements.text.value.trim();
    const file = add.elements.file.files[0];
    const button = add.querySelector("button[type=submit]");
    // a caption on a photo or video is an overlay at the bottom, as in the apps
    const overlays = text ? [{ text, x: 0.5, y: 0.85 }] : [];
    button.disabled = true;
    try {
      if (!file && !text) throw new ApiError(422, { detail: "Write something or choose a photo or video." });
      if (file?.type.startsWith("video/")) await api.createVideoStory((await api.uploadMedia(file)).id, overlays);
      else if (file) await api.createImageStory(file, overlays);
      else await api.createTextStory(text);
      add.reset(); toast("Story posted for 24 hours"); load();
    } catch (err) { formErrors(add, err); }
    button.disabled = false;
  });
  async function load() {
    try {
      const { items } = await api.tray();
      tray.replaceChildren(...items.map((it) => h("a", {
        href: `#/stories/${it.user.username}`, class: it.has_unseen_stories ? "ring unseen" : "ring",
        dataset: { count: String(it.story_count) }, title: plural(it.story_count, "story", "stories"),
        "aria-label": `Stories of ${it.user.username}${it.has_unseen_stories ? " (new)" : ""}` }, it.user.username)));
    } catch { tray.replaceChildren(); }
  }
  load();
  return h("section", { class: "stories", "aria-label": "Stories" }, add, tray);
}

// What a story shows: its photo, its video (once processed) or its text; captions below.
function storyMedia(s, username, onRetry, tries = 0) {
  const caption = (s.overlays || []).map((o) => o.text).join(" ");
  if (s.kind === "video" || s.media) {
    if (s.media?.status === "ready" && s.media.urls?.mp4) {
      return h("video", { class: "story-media", src: s.media.urls.mp4, poster: s.media.poster_url || undefined, controls: true,
                          autoplay: true, muted: true, playsinline: true, "aria-label": caption || `Video story by @${username}` });
    }
    if (s.media?.status === "failed") return h("p", { class: "empty" }, "This video could not be processed.");
    if (tries < 30) setTimeout(onRetry, Math.min(1000 * (1 + tries / 5), 5000));
    return h("p", { class: "empty", role: "status" }, "Processing video…");
  }
  if (s.media_url) return h("img", { class: "story-media", src: s.media_url, alt: caption || `Photo story by @${username}` });
  return h("p", { class: "story-text", style: null }, s.text);
}

// The author's list of who has seen a story (with their reactions).
function storyViewers(s) {
  const box = h("section", { class: "viewers", "aria-labelledby": "viewers-h" },
    h("h2", { id: "viewers-h" }, `Seen by ${plural(s.view_count, "person", "people")}`));
  api.storyViewers(s.id).then(({ items }) => box.append(items.length
    ? h("ul", { class: "members" }, items.map((v) => h("li", {}, avatar(v.user, 48),
        h("a", { href: `#/u/${v.user?.username}` }, v.user?.display_name || v.user?.username || "someone"),
        v.reaction ? ` ${v.reaction}` : "", " ", h("span", { class: "meta" }, when(v.viewed_at)))))
    : h("p", { class: "empty" }, "Nobody has seen it yet.")))
    .catch((err) => box.append(h("p", { class: "field-error", role: "alert" }, err.message)));
  return box;
}

async function storiesView(username) {
  setTitle(`Stories of @${username}`);
  try {
    const { items } = await api.userStories(username);
    if (!items.length) return render(h("section", { class: "card" }, h("h1", {}, `@${username}`), h("p", {}, "No active stories."),
      h("a", { href: "#/home" }, "Back to home")));
    let i = 0;
    const stage = h("section", { class: "story card", "aria-live": "polite" });
    async function show(tries = 0) {
      const at = i;
      const s = await api.story(items[i].id);  // opening records the view
      if (at !== i || !document.body.contains(stage)) return;
      const caption = (s.overlays || []).map((o) => o.text).join(" ");
      fill(stage,
        h("h1", {}, avatar(s.author, 48), `@${username}`),
        h("p", { class: "handle" }, `${i + 1} of ${items.length} · posted `, when(s.created_at), " · disappears ", when(s.expires_at)),
        storyMedia(s, username, () => at === i && document.body.contains(stage) && show(tries + 1), tries),
        caption && s.kind !== "text" ? h("p", { class: "story-caption" }, caption) : null,
        h("div", { class: "actions" },
          i > 0 ? h("button", { type: "button", onclick: () => { i--; show(); } }, "Previous") : null,
          i < items.length - 1 ? h("button", { type: "button", onclick: () => { i++; show(); } }, "Next")
            : h("a", { href: "#/home" }, "Back to home")),
        s.view_count !== undefined ? storyViewers(s) : null);
    }
    render(stage);
    show();
  } catch (err) { render(h("p", { role: "alert" }, err.status === 404 ? "These stories are not available." : err.message)); }
}

function suggestionsBox() {
  const box = h("section", { class: "card", "aria-labelledby": "sugg-h" }, h("h2", { id: "sugg-h" }, "People you may know"));
  api.suggestions().then(({ items }) => {
    if (!items.length) box.append(h("p", { class: "empty" }, "No suggestions yet."));
    box.append(h("ul", {}, items.slice(0, 5).map((u) => h("li", {},
      avatar(u, 48), h("a", { href: `#/u/${u.username}` }, u.display_name || u.username), " ",
      typeof u.reason === "string" && u.reason && u.reason !== "null" ? h("span", { class: "handle" }, u.reason)
        : u.mutual_friends ? h("span", { class: "handle" }, plural(u.mutual_friends, "mutual friend")) : null))));
  }).catch(() => box.remove());
  return box;
}

// -- live updates ---------------------------------------------------------------
// A notification about something on screen refreshes it: the reaction counts of a
// post or comment, a new comment under the open post (read back from the API,
// which applies the viewer's blocks and privacy).
async function liveUpdate(n) {
  const o = n.object || {};
  const postId = o.post_id || (o.target?.startsWith("post:") ? o.target.slice(5) : null);
  try {
    if (n.type === "reaction" && o.comment_id) {
      const bar = document.querySelector(`li.comment[data-comment-id="${o.comment_id}"] > .comment-actions > .reactions`);
      if (bar) { const c = await api.getComment(o.comment_id); bar.update(c.reactions, c.viewer_reaction); }
    } else if (n.type === "reaction" && postId) {
      const bars = document.querySelectorAll(`article.post[data-post-id="${postId}"] .reactions`);
      if (bars.length) { const p = await api.post(postId); bars.forEach((b) => b.update(p.counts?.reactions, p.viewer_reaction)); }
    } else if ((n.type === "comment" || n.type === "reply") && postId && o.comment_id) {
      const section = document.querySelector(`section.comments[data-post-id="${postId}"]`);
      if (section && !document.querySelector(`li.comment[data-comment-id="${o.comment_id}"]`)) {
        const c = await api.getComment(o.comment_id);
        const parent = c.parent_id && document.querySelector(`li.comment[data-comment-id="${c.parent_id}"]`);
        if (parent || !c.parent_id) addComment(postId, c, parent || section.querySelector("ul.thread").parentNode);
      }
    }
  } catch { /* the next reload shows it */ }
}

// -- notifications --------------------------------------------------------------
function setUnread(n) {
  unread = Math.max(0, n);
  const badge = document.getElementById("unread");
  badge.textContent = String(unread);
  badge.hidden = unread === 0;
  document.getElementById("nav-notifications").setAttribute("aria-label", `Notifications (${unread} unread)`);
}

// Where a notification leads: its post, else the first actor's profile.
export function notificationLink(n) {
  const o = n.object || {};
  if (o.post_id) return `#/post/${o.post_id}`;
  if (o.group_id) return `#/groups/${o.group_id}`;
  const actor = n.actors?.[0];
  return actor?.username ? `#/u/${actor.username}` : "#/notifications";
}

function notificationItem(n) {
  const actor = n.actors?.[0] || {};
  const li = h("article", { class: n.read ? "notification" : "notification unread", dataset: { seq: n.seq } });
  const open = h("a", { href: notificationLink(n), class: "notification-link", onclick: () => {
    if (!n.read) api.markRead(n.id).then(() => { n.read = true; setUnread(unread - 1); }).catch(() => {});
  } }, avatar(actor, 48), h("span", {}, n.summary));
  const actions = h("div", { class: "actions" });
  const decide = (fn, done) => async () => {
    try { await fn(actor.username); actions.replaceChildren(h("span", { class: "handle" }, done)); }
    catch (err) { toast(err.message); }
  };
  if (n.type === "friend_request" && actor.username) {
    actions.append(h("button", { type: "button", onclick: decide(api.acceptFriend, "You are now friends") }, "Accept"),
      h("button", { type: "button", class: "secondary", onclick: decide(api.declineFriend, "Declined") }, "Decline"));
  } else if (n.type === "follow_request" && actor.username) {
    actions.append(h("button", { type: "button", onclick: decide(api.approveFollow, "Approved") }, "Approve"),
      h("button", { type: "button", class: "secondary", onclick: decide(api.rejectFollow, "Rejected") }, "Reject"));
  }
  li.append(open, " ", when(n.created_at), actions.childNodes.length ? actions : "");
  return li;
}

function notificationsView() {
  setTitle("Notifications");
  const markAll = h("button", { type: "button", onclick: async () => { await api.readAll(); setUnread(0); notificationsView(); } }, "Mark all as read");
  const list = infiniteList((c) => api.notifications(c), notificationItem, "No notifications yet.");
  list.classList.add("notifications");
  render(h("h1", {}, "Notifications"), markAll, list);
  const onFrame = (f) => f.type === "notification" && document.body.contains(list) && list.prepend(notificationItem(f.notification));
  frameListeners.add(onFrame);
}

// -- search ------------------------------------------------------------------------
function searchView(params) {
  const q = (params.get("q") || "").trim();
  setTitle(q ? `Search: ${q}` : "Search");
  const form = h("form", { class: "reply", role: "search" },
    h("label", { for: "search-q", class: "visually-hidden" }, "Search posts and people"),
    h("input", { id: "search-q", name: "q", type: "search", value: q, required: true, placeholder: "Words, #tags or names" }),
    h("button", { type: "submit" }, "Search"));
  form.addEventListener("submit", (e) => { e.preventDefault(); location.hash = `#/search?q=${encodeURIComponent(form.elements.q.value.trim())}`; });
  if (!q) return render(h("h1", {}, "Search"), form);
  const person = (u) => h("p", { class: "person" }, avatar(u, 48), h("a", { href: `#/u/${u.username}` }, u.display_name || u.username),
    " ", h("span", { class: "handle" }, `@${u.username}`));
  const people = h("section", { "aria-labelledby": "people-h" }, h("h2", { id: "people-h" }, "People"));
  api.searchUsers(q.replace(/^[#@]/, "")).then((page) => {
    people.append(...(page.items.length ? page.items.slice(0, 5).map(person) : [h("p", { class: "empty" }, "No people found.")]));
  }).catch(() => people.remove());
  render(h("h1", {}, "Search"), form, people, h("h2", {}, "Posts"),
    infiniteList((c) => api.searchPosts(q, c), postCard, "No posts match."));
}

function tagView(tag) {
  setTitle(`#${tag}`);
  render(h("h1", {}, `#${tag}`), infiniteList((c) => api.tagPosts(tag, c), postCard, "No posts with this tag yet."));
}

// -- direct messages --------------------------------------------------------------
function unreadBadge(n, what = "unread") {
  return h("span", { class: "badge", "aria-label": `${n} ${what}` }, n >= 100 ? "99+" : String(n));
}

// The Messages tab's badge: how many conversations have unread messages.
function setDmUnread(n) {
  dmUnread = Math.max(0, n || 0);
  const badge = document.getElementById("dm-unread");
  badge.textContent = dmUnread >= 100 ? "99+" : String(dmUnread);
  badge.hidden = dmUnread === 0;
  document.getElementById("nav-messages").setAttribute("aria-label",
    dmUnread ? `Messages (${plural(dmUnread, "unread conversation")})` : "Messages");
}

// Read receipt up to a message of the open conversation (the log remembers how far).
async function readUpTo(conversationId, messageId) {
  try {
    await api.readConversation(conversationId, messageId);
    const log = document.querySelector("ol.messages");
    if (log && openConversation === conversationId) log.dataset.readUpTo = messageId;
  } catch { /* read again on the next visit */ }
}

async function refreshDmUnread() {
  try { setDmUnread((await api.unreadConversations()).conversations); } catch { /* the badge stays as it is */ }
}

// Someone else's message arrived: read at once when its conversation is on screen,
// else counted on the conversation's row and in the nav.
function dmFrame(m) {
  if (openConversation === m.conversation_id && document.visibilityState === "visible") {
    readUpTo(m.conversation_id, m.id);
    return;
  }
  const row = document.querySelector(`li[data-conversation-id="${m.conversation_id}"]`);
  if (row) {
    const badge = row.querySelector(".badge");
    const n = Number(badge?.dataset.count || 0) + 1;
    const fresh = unreadBadge(n);
    fresh.dataset.count = String(n);
    badge ? badge.replaceWith(fresh) : row.querySelector("a").after(" ", fresh);
  }
  refreshDmUnread();
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && openConversation) {
    const last = document.querySelector("ol.messages li:last-child");
    if (last?.dataset.id) readUpTo(openConversation, last.dataset.id);
  }
});

async function messagesView() {
  const form = h("form", { class: "reply" },
    h("label", { for: "dm-to", class: "visually-hidden" }, "Username to message"),
    h("input", { id: "dm-to", name: "to", placeholder: "username", required: true }), h("button", { type: "submit" }, "New conversation"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try { const c = await api.startConversation([form.elements.to.value.trim()]); location.hash = `#/messages/${c.id}`; }
    catch (err) { formErrors(form, err); }
  });
  const list = h("ul", { class: "conversations" });
  setTitle("Messages");
  render(h("h1", {}, "Messages"), form, list);
  const { items } = await api.conversations();
  if (!items.length) list.append(h("li", { class: "empty" }, "No conversations yet."));
  items.forEach((c) => {
    const others = c.members.filter((m) => m.uid !== me.uid);
    const badge = c.unread_count ? unreadBadge(c.unread_count) : null;
    if (badge) badge.dataset.count = String(c.unread_count);
    list.append(h("li", { dataset: { conversationId: c.id }, class: c.unread_count ? "unread" : null },
      avatar(others[0], 48), h("a", { href: `#/messages/${c.id}` },
        c.title || others.map((m) => m.display_name || m.username).join(", ")), badge ? " " : null, badge,
      " ", when(c.last_message_at)));
  });
}

async function conversationView(id) {
  try {
    const conv = await api.conversation(id);
    const names = Object.fromEntries(conv.members.map((m) => [m.uid, m.username]));
    const log = h("ol", { class: "messages", "aria-live": "polite", "aria-label": "Messages" });
    const line = (m) => h("li", { class: m.sender_id === me.uid ? "mine" : "" }, h("strong", {}, names[m.sender_id] || "?"), " ", m.text,
      " ", h("span", { class: "meta" }, when(m.created_at)));
    const form = h("form", { class: "reply" },
      h("label", { for: "dm-text", class: "visually-hidden" }, "Message"),
      h("input", { id: "dm-text", name: "text", required: true, maxlength: 4000, autocomplete: "off" }), h("button", { type: "submit" }, "Send"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { const m = await api.sendMessage(id, form.elements.text.value); form.reset(); if (!log.querySelector(`[data-id="${m.id}"]`)) log.append(Object.assign(line(m), { dataset: { id: m.id } })); }
      catch (err) { formErrors(form, err); }
    });
    const convTitle = conv.title || conv.members.filter((m) => m.uid !== me.uid).map((m) => `@${m.username}`).join(", ");
    setTitle(convTitle);
    render(h("h1", {}, convTitle), log, form);
    const page = await api.messages(id);
    page.items.slice().reverse().forEach((m) => { const li = line(m); li.dataset.id = m.id; log.append(li); });
    openConversation = id;
    if (conv.unread_count && page.items.length) await readUpTo(id, page.items[0].id);  // opening it reads it
    const onFrame = (f) => {
      if (f.type === "message" && f.message.conversation_id === id && document.body.contains(log) && !log.querySelector(`[data-id="${f.message.id}"]`)) {
        const li = line(f.message); li.dataset.id = f.message.id; log.append(li);
      }
    };
    frameListeners.add(onFrame);
  } catch (err) { render(h("p", { role: "alert" }, err.status === 404 ? "This conversation does not exist." : err.message)); }
}

// -- groups -------------------------------------------------------------------------
async function groupsView() {
  const form = h("form", { class: "card" }, h("h2", {}, "Create a group"),
    field("Name", "name"),
    h("p", {}, h("label", { for: "g-description" }, "Description (what the group is about)"),
      h("textarea", { id: "g-description", name: "description", maxlength: 2000, rows: 3 })),
    h("p", {}, h("label", { for: "g-privacy" }, "Privacy"),
      h("select", { id: "g-privacy", name: "privacy" }, ["public", "private", "secret"].map((v) => h("option", { value: v }, v)))),
    h("button", { type: "submit" }, "Create"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const g = await api.createGroup({ name: form.elements.name.value, description: form.elements.description.value.trim(),
                                        privacy: form.elements.privacy.value });
      location.hash = `#/groups/${g.id}`;
    }
    catch (err) { formErrors(form, err); }
  });
  const mine = h("ul", {}), all = h("ul", {});
  setTitle("Groups");
  render(h("h1", {}, "Groups"), h("h2", {}, "Your groups"), mine, h("h2", {}, "Find groups"), all, form);
  const link = (g) => h("li", {}, h("a", { href: `#/groups/${g.id}` }, g.name), " ", h("span", { class: "handle" }, g.privacy));
  (await api.myGroups()).items.forEach((g) => mine.append(link(g)));
  (await api.groups()).items.forEach((g) => all.append(link(g)));
}

async function groupView(id) {
  try {
    const g = await api.group(id);
    const member = Boolean(g.viewer?.role);
    const posts = h("div", {});
    setTitle(g.name);
    const header = h("section", { class: "card" }, h("h1", {}, g.name),
      g.description ? h("p", { class: "description" }, richText(g.description)) : h("p", { class: "empty" }, "No description yet."),
      h("p", { class: "handle" }, `${g.privacy} group · ${plural(g.member_count ?? 0, "member")}`),
      member ? null : h("button", { type: "button", onclick: async () => { await api.joinGroup(id); groupView(id); } },
        g.privacy === "public" ? "Join" : "Ask to join"));
    // admins edit the description in place
    if (g.viewer?.role === "admin" || g.viewer?.owner) {
      const edit = h("form", { class: "reply" },
        h("label", { for: "g-edit-description", class: "visually-hidden" }, "Group description"),
        h("textarea", { id: "g-edit-description", name: "description", maxlength: 2000, rows: 2 }, g.description || ""),
        h("button", { type: "submit" }, "Save description"));
      edit.addEventListener("submit", async (e) => {
        e.preventDefault();
        try { await api.patchGroup(id, { description: edit.elements.description.value.trim() }); groupView(id); }
        catch (err) { formErrors(edit, err); }
      });
      header.append(h("details", {}, h("summary", {}, "Edit description"), edit));
    }
    const form = h("form", { class: "composer" },
      h("label", { for: "gp-text", class: "visually-hidden" }, "Write in the group"),
      h("textarea", { id: "gp-text", name: "text", required: true, maxlength: 5000, placeholder: "Write in the group" }),
      h("button", { type: "submit" }, "Post"));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      try { const p = await api.groupPost(id, form.elements.text.value); form.reset(); (posts.firstChild?.prepend ? posts.firstChild : posts).prepend(postCard(p)); }
      catch (err) { formErrors(form, err); }
    });
    const members = h("section", { class: "card", "aria-labelledby": "members-h" }, h("h2", { id: "members-h" }, "Members"));
    if (member || g.privacy === "public") {
      api.groupMembers(id).then((page) => members.append(h("ul", { class: "members" }, page.items.map((u) =>
        h("li", {}, avatar(u, 48), h("a", { href: `#/u/${u.username}` }, u.display_name || u.username),
          u.role && u.role !== "member" ? h("span", { class: "handle" }, ` ${u.role}`) : null)))))
        .catch(() => members.remove());
    } else members.remove();
    render(header, members, member ? form : null, posts);
    if (member || g.privacy === "public") posts.append(infiniteList((c) => api.groupPosts(id, c), postCard, "No posts yet."));
  } catch (err) { render(h("p", { role: "alert" }, err.status === 404 ? "This group does not exist." : err.message)); }
}

function commentNode(postId, c) {
  const node = h("li", { class: "comment", dataset: { commentId: c.id } },
    c.deleted ? h("p", { class: "deleted" }, "[deleted]")
      : h("p", {}, avatar(c.author, 48), h("a", { href: `#/u/${c.author?.username}`, class: "author" }, c.author?.display_name || c.author?.username || ""),
          " ", richText(c.text || ""), " ", h("span", { class: "meta" }, when(c.created_at))),
    h("div", { class: "comment-actions" }, c.deleted ? null : commentReactionBar(c),
      h("button", { type: "button", class: "link", onclick: () => node.append(replyForm(postId, c.id, node)) }, "Reply")));
  if (c.replies?.length) node.append(h("ul", {}, c.replies.map((r) => commentNode(postId, r))));
  if (c.reply_count > (c.replies?.length || 0)) {
    node.append(h("button", { type: "button", class: "link", onclick: async (e) => {
      const page = await api.comments(postId, { parent_id: c.id, limit: 100 });
      node.querySelector("ul")?.remove();
      node.append(h("ul", {}, page.items.map((r) => commentNode(postId, r))));
      e.target.remove();
    } }, `Show all ${plural(c.reply_count, "reply", "replies")}`));
  }
  return node;
}

// Put a new comment on the page (once) and count it on every card of its post.
function addComment(postId, c, anchor) {
  if (document.querySelector(`li.comment[data-comment-id="${c.id}"]`)) return;
  const ul = anchor.querySelector(":scope > ul") || anchor.appendChild(h("ul"));
  ul.append(commentNode(postId, c));
  document.querySelectorAll(`article.post[data-post-id="${postId}"] .comments-link`).forEach((link) => {
    link.dataset.count = String(Number(link.dataset.count || 0) + 1);
    link.textContent = `💬 ${plural(Number(link.dataset.count), "comment")}`;
  });
}

function replyForm(postId, parentId, anchor) {
  const form = h("form", { class: "reply" },
    h("label", { class: "visually-hidden", for: `r-${parentId || "top"}` }, "Your comment"),
    h("input", { id: `r-${parentId || "top"}`, name: "text", required: true, maxlength: 2000, placeholder: "Write a comment" }),
    h("button", { type: "submit" }, "Send"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const c = await api.comment(postId, { text: form.elements.text.value, parent_id: parentId });
      addComment(postId, { ...c, replies: [] }, anchor);
      if (parentId) form.remove(); else form.reset();
    } catch (err) { formErrors(form, err); }
  });
  return form;
}

async function postView(id) {
  try {
    const post = await api.post(id);
    const thread = h("ul", { class: "thread", "aria-label": "Comments", dataset: { postId: id } });
    const section = h("section", { class: "comments", dataset: { postId: id } }, h("h2", {}, "Comments"), thread);
    section.append(replyForm(id, null, section));
    setTitle(`Post by @${post.author?.username || "unknown"}`);
    const card = postCard(post);
    render(card, section);
    let cursor = null;
    do {
      const page = await api.comments(id, { cursor, limit: 50 });
      page.items.forEach((c) => thread.append(commentNode(id, c)));
      cursor = page.next_cursor;
    } while (cursor);
  } catch (err) { render(h("p", { role: "alert" }, err.message)); }
}

// -- profiles -----------------------------------------------------------------
async function profileView(username) {
  try {
    const u = await api.user(username);
    const actions = h("div", { class: "actions" });
    if (me && u.uid !== me.uid) {
      actions.append(
        h("button", { type: "button", onclick: async () => {
          u.followed_by_viewer ? await api.unfollow(username) : await api.follow(username);
          profileView(username);
        } }, u.followed_by_viewer ? "Unfollow" : "Follow"),
        friendButton(u, username),
        h("button", { type: "button", onclick: async () => {
          try { const c = await api.startConversation([username]); location.hash = `#/messages/${c.id}`; } catch (err) { toast(err.message); }
        } }, "Message"),
        h("button", { type: "button", onclick: async () => { await api.mute(username); toast(`Muted @${username}`); } }, "Mute"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Block @${username}?`)) return;
          await api.block(username);
          toast(`Blocked @${username}`);
          location.hash = "#/home";
        } }, "Block"));
    }
    setTitle(`${u.display_name || u.username} (@${u.username})`);
    render(
      h("section", { class: "profile card" },
        u.cover_urls ? h("img", { class: "cover", src: u.cover_urls["1500"], alt: "", width: 1500, height: 500 }) : null,
        avatar(u, 96),
        h("h1", {}, u.display_name || u.username), h("p", { class: "handle" }, `@${u.username}`),
        u.bio ? h("p", {}, richText(u.bio)) : null,
        h("p", { class: "counts" }, plural(u.followers_count, "follower"), " · ",
          `${u.following_count ?? 0} following`, u.follows_viewer ? " · follows you" : ""),
        u.mutual_friends?.count ? h("p", { class: "handle" }, plural(u.mutual_friends.count, "mutual friend"),
          u.mutual_friends.sample?.length ? `: ${u.mutual_friends.sample.join(", ")}` : "") : null,
        actions),
      h("h2", {}, "Posts"),
      infiniteList((c) => api.userPosts(username, c), postCard, "No posts yet."));
  } catch (err) { render(h("p", { role: "alert" }, err.status === 404 ? "This account does not exist." : err.message)); }
}

function friendButton(u, username) {
  const again = () => profileView(username);
  const act = (fn, msg) => async () => { try { await fn(username); toast(msg); again(); } catch (err) { toast(err.message); } };
  switch (u.friendship) {
    case "friends": return h("button", { type: "button", onclick: act(api.unfriend, "Friendship ended") }, "Unfriend");
    case "request_sent": return h("button", { type: "button", disabled: true }, "Friend request sent");
    case "request_received": return h("button", { type: "button", onclick: act(api.acceptFriend, "You are now friends") }, "Accept friend request");
    default: return h("button", { type: "button", onclick: act(api.friendRequest, "Friend request sent") }, "Add friend");
  }
}

function picturesCard() {
  const preview = h("div", { class: "pictures" });
  const show = () => fill(preview,
    me.cover_urls ? h("img", { class: "cover", src: me.cover_urls["600"], alt: "Your cover photo", width: 600, height: 200 }) : null,
    h("img", { class: "avatar big", src: me.avatar_urls?.["400"] || me.avatar_url, alt: "Your profile picture", width: 96, height: 96 }));
  show();
  const upload = (label, name, put, remove) => {
    const input = h("input", { id: `f-${name}`, name, type: "file", accept: "image/jpeg,image/png,image/gif,image/webp" });
    const status = h("span", { class: "handle", role: "status" });
    input.addEventListener("change", async () => {
      if (!input.files[0]) return;
      status.textContent = "Uploading…";
      try { await put(input.files[0]); me = await api.me(); show(); status.textContent = "Saved"; input.value = ""; }
      catch (err) { status.textContent = err.message; }
    });
    return h("p", {}, h("label", { for: `f-${name}` }, label), input, " ",
      h("button", { type: "button", class: "secondary", onclick: async () => {
        try { await remove(); me = await api.me(); show(); status.textContent = "Removed"; } catch (err) { status.textContent = err.message; }
      } }, "Remove"), " ", status);
  };
  return h("section", { class: "card", "aria-labelledby": "pics-h" }, h("h2", { id: "pics-h" }, "Profile picture and cover"),
    preview, upload("Profile picture (square crop)", "avatar", api.putAvatar, api.deleteAvatar),
    upload("Cover photo (1500 × 500 crop)", "cover", api.putCover, api.deleteCover));
}

// Web Push: the service worker (/web/sw.js) shows the messages; this subscribes the browser.
function pushCard() {
  const status = h("p", { class: "handle", role: "status" });
  const supported = "serviceWorker" in navigator && "PushManager" in window;
  const button = h("button", { type: "button", disabled: !supported, onclick: async () => {
    status.textContent = "Asking your browser…";
    try {
      const reg = await navigator.serviceWorker.register("/web/sw.js", { scope: "/web/" });
      const { server_key } = await api.pushServerKey();
      const key = Uint8Array.from(atob(server_key.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
      await api.pushSubscribe(sub.toJSON());
      status.textContent = "Push notifications are on for this browser.";
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message
        : "Your browser did not allow push notifications (check its site settings).";
    }
  } }, "Turn on push notifications");
  return h("section", { class: "card", "aria-labelledby": "push-h" }, h("h2", { id: "push-h" }, "Push notifications"),
    supported ? null : h("p", { class: "empty" }, "This browser does not support push notifications."), button, status);
}

function meView() {
  setTitle("Settings");
  const form = h("form", { class: "card" }, h("h1", {}, "Your profile"),
    h("p", {}, h("label", { for: "f-dn" }, "Display name"), h("input", { id: "f-dn", name: "display_name", value: me.display_name || "", maxlength: 80 })),
    h("p", {}, h("label", { for: "f-bio" }, "Bio"), h("textarea", { id: "f-bio", name: "bio", maxlength: 500 }, me.bio || "")),
    h("button", { type: "submit" }, "Save"),
    h("p", {}, h("a", { href: `#/u/${me.username}` }, "View public profile")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      me = await api.patchMe({ display_name: form.elements.display_name.value, bio: form.elements.bio.value });
      toast("Saved");
    } catch (err) { formErrors(form, err); }
  });
  render(form, picturesCard(), pushCard());
}

// -- router -------------------------------------------------------------------
async function loadMe() {
  me = await api.me();
  document.getElementById("nav").hidden = false;
  try { setUnread((await api.unreadCount()).unread ?? 0); } catch { /* the badge stays as it is */ }
  stream?.close();
  refreshDmUnread();
  stream = openStream((frame) => {
    if (frame.type === "notification") {
      const n = frame.notification;
      if (!n.read && !unreadSeen.has(n.id)) { unreadSeen.add(n.id); setUnread(unread + 1); }
      toast(n.summary);
      liveUpdate(n);
    } else if (frame.type === "message" && frame.message.sender_id !== me?.uid) {
      dmFrame(frame.message);
    } else if (frame.type === "read" && frame.user_id === me?.uid) {
      document.querySelectorAll(`li[data-conversation-id="${frame.conversation_id}"] .badge`).forEach((b) => b.remove());
      refreshDmUnread();
    }
    frameListeners.forEach((fn) => fn(frame));
  });
}

const routes = [
  [/^#\/login$/, loginView, false],
  [/^#\/register$/, registerView, false],
  [/^#\/verify$/, (m, params) => verifyView(params), false],
  [/^#\/forgot$/, forgotView, false],
  [/^#\/reset$/, (m, params) => resetView(params), false],
  [/^#\/home$/, () => feedView("home"), true],
  [/^#\/discover$/, () => feedView("discover"), true],
  [/^#\/post\/([0-9a-f]{24})$/, (m) => postView(m[1]), true],
  [/^#\/u\/([A-Za-z0-9_]{3,30})$/, (m) => profileView(m[1]), true],
  [/^#\/me$/, () => meView(), true],
  [/^#\/notifications$/, () => notificationsView(), true],
  [/^#\/messages$/, () => messagesView(), true],
  [/^#\/messages\/([0-9a-f]{24})$/, (m) => conversationView(m[1]), true],
  [/^#\/stories\/([A-Za-z0-9_]{3,30})$/, (m) => storiesView(m[1]), true],
  [/^#\/groups$/, () => groupsView(), true],
  [/^#\/groups\/([0-9a-f]{32})$/, (m) => groupView(m[1]), true],
  [/^#\/search$/, (m, params) => searchView(params), true],
  [/^#\/tags\/([^/?#]{1,100})$/, (m) => tagView(decodeURIComponent(m[1])), true],
];

const TITLES = { login: "Log in", register: "Create an account", verify: "Confirm your email",
                 forgot: "Reset your password", reset: "Choose a new password" };

export async function route() {
  const [path, query] = (location.hash || "#/home").split("?");
  const params = new URLSearchParams(query || "");
  for (const [re, view, needsAuth] of routes) {
    const m = path.match(re);
    if (!m) continue;
    if (needsAuth && !me) {
      if (hasSession()) {
        try { await loadMe(); } catch (err) {
          // only a refused session ends it; an outage shows a way to try again
          if (err?.status !== 401 && err?.status !== 403) return render(errorState(err, route));
          clearSession();
        }
      }
      if (!me) { location.hash = "#/login"; return; }
    }
    frameListeners.clear();
    openConversation = null;
    setTitle(TITLES[path.slice(2)] || "");
    try { return await view(m, params); }
    catch (err) { render(errorState(err, route)); }
  }
  location.hash = me || hasSession() ? "#/home" : "#/login";
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api.logout(); } catch { /* the session is dropped locally anyway */ }
  clearSession();
  stream?.close();
  stream = null;
  setUnread(0);
  setDmUnread(0);
  unreadSeen.clear();
  me = null;
  document.getElementById("nav").hidden = true;
  location.hash = "#/login";
});

addEventListener("hashchange", route);
route();
