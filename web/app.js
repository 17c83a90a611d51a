// socialgraph reference web client: plain ES modules, no build step, only the
// public REST API (+ the WebSocket once available). Every piece of user content
// is put into the page as text nodes (never innerHTML), so posts cannot inject markup.
import { api, ApiError, clearSession, hasSession, setSession } from "./api.js";

const main = document.getElementById("main");
const REACTIONS = { like: "👍", love: "❤️", laugh: "😂", angry: "😠", sad: "😢" };
let me = null;

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

function render(...nodes) {
  main.replaceChildren(...nodes);
  main.focus({ preventScroll: true });
}

function when(iso) {
  const d = new Date(iso);
  return h("time", { datetime: iso, title: d.toLocaleString() }, d.toLocaleDateString(undefined, { dateStyle: "medium" }));
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
    h("p", {}, "New here? ", h("a", { href: "#/register" }, "Create an account")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      setSession(await api.login({ login: form.elements.login.value, password: form.elements.password.value }));
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

async function verifyView(params) {
  try {
    await api.verifyEmail(params.get("token") || "");
    render(h("section", { class: "card" }, h("h1", {}, "Email confirmed"), h("a", { href: "#/login" }, "Log in")));
  } catch (err) {
    render(h("section", { class: "card" }, h("h1", {}, "This link does not work"), h("p", { role: "alert" }, err.message)));
  }
}

// -- posts --------------------------------------------------------------------
function reactionBar(post) {
  const wrap = h("div", { class: "reactions", role: "group", "aria-label": "Reactions" });
  const counts = post.counts?.reactions || {};
  for (const [type, emoji] of Object.entries(REACTIONS)) {
    const pressed = post.viewer_reaction === type;
    wrap.append(h("button", {
      type: "button", class: "reaction", "aria-pressed": String(pressed), "aria-label": `${type} (${counts[type] || 0})`,
      dataset: { reaction: type },
      onclick: async () => {
        try {
          const res = pressed ? await api.unreact(post.id) : await api.react(post.id, type);
          post.viewer_reaction = res.reaction;
          post.counts.reactions = res.counts;
          wrap.replaceWith(reactionBar(post));
        } catch (err) { toast(err.message); }
      },
    }, `${emoji} ${counts[type] || ""}`));
  }
  return wrap;
}

export function postCard(post) {
  const author = post.author || {};
  const card = h("article", { class: "post", dataset: { postId: post.id } },
    h("header", {},
      h("a", { href: `#/u/${author.username}`, class: "author" }, author.display_name || author.username || "unknown"),
      " ", h("span", { class: "handle" }, `@${author.username}`), " · ",
      h("a", { href: `#/post/${post.id}` }, when(post.created_at))),
    h("p", { class: "text" }, post.text),
    post.hashtags?.length ? h("p", { class: "tags" }, post.hashtags.map((t) => `#${t} `)) : null,
    h("footer", {}, reactionBar(post),
      h("a", { href: `#/post/${post.id}`, class: "comments-link" }, `💬 ${post.counts?.comments || 0} comments`)));
  if (me && author.uid === me.uid) {
    card.querySelector("footer").append(h("button", { type: "button", class: "danger", onclick: async () => {
      if (!confirm("Delete this post?")) return;
      await api.deletePost(post.id);
      card.remove();
    } }, "Delete"));
  }
  return card;
}

function composer(onPosted) {
  const form = h("form", { class: "composer", "aria-label": "New post" },
    h("label", { for: "compose-text", class: "visually-hidden" }, "What's happening?"),
    h("textarea", { id: "compose-text", name: "text", maxlength: 5000, rows: 3, placeholder: "What's happening?", required: true }),
    h("button", { type: "submit" }, "Post"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const post = await api.createPost({ text: form.elements.text.value });
      form.reset();
      onPosted(post);
    } catch (err) { formErrors(form, err); }
  });
  return form;
}

// A list that loads the next page when its end scrolls into view (cursor pagination).
function infiniteList(load, renderItem, empty = "Nothing here yet.") {
  const list = h("div", { class: "list", role: "feed", "aria-busy": "false" });
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  const container = h("div", {}, list, sentinel);
  let cursor = null, done = false, busy = false, count = 0;
  async function more() {
    if (busy || done) return;
    busy = true; list.setAttribute("aria-busy", "true");
    try {
      const page = await load(cursor);
      page.items.forEach((it) => list.append(renderItem(it)));
      count += page.items.length;
      cursor = page.next_cursor;
      done = !cursor;
      if (done && !count) list.append(h("p", { class: "empty" }, empty));
    } catch (err) { toast(err.message); done = true; }
    busy = false; list.setAttribute("aria-busy", "false");
    if (!done && sentinel.getBoundingClientRect().top < innerHeight + 200) more();
  }
  new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && more()).observe(sentinel);
  more();
  container.prepend = (node) => list.prepend(node);
  return container;
}

function feedView(kind) {
  const title = kind === "home" ? "Home" : "Discover";
  const feed = infiniteList((c) => (kind === "home" ? api.home(c) : api.discover(c)), postCard,
    kind === "home" ? "Follow people to fill your home feed." : "No posts yet.");
  render(h("h1", {}, title), kind === "home" ? composer((p) => feed.prepend(postCard(p))) : null, feed);
}

function commentNode(postId, c) {
  const node = h("li", { class: "comment", dataset: { commentId: c.id } },
    c.deleted ? h("p", { class: "deleted" }, "[deleted]")
      : h("p", {}, h("a", { href: `#/u/${c.author?.username}` }, c.author?.username || ""), " ", c.text),
    h("button", { type: "button", class: "link", onclick: () => node.append(replyForm(postId, c.id, node)) }, "Reply"));
  if (c.replies?.length) node.append(h("ul", {}, c.replies.map((r) => commentNode(postId, r))));
  if (c.reply_count > (c.replies?.length || 0)) {
    node.append(h("button", { type: "button", class: "link", onclick: async (e) => {
      const page = await api.comments(postId, { parent_id: c.id, limit: 100 });
      node.querySelector("ul")?.remove();
      node.append(h("ul", {}, page.items.map((r) => commentNode(postId, r))));
      e.target.remove();
    } }, `Show all ${c.reply_count} replies`));
  }
  return node;
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
      const ul = anchor.querySelector(":scope > ul") || anchor.appendChild(h("ul"));
      ul.append(commentNode(postId, { ...c, replies: [] }));
      form.remove();
    } catch (err) { formErrors(form, err); }
  });
  return form;
}

async function postView(id) {
  try {
    const post = await api.post(id);
    const thread = h("ul", { class: "thread", "aria-label": "Comments" });
    const section = h("section", {}, h("h2", {}, "Comments"), thread);
    section.append(replyForm(id, null, section));
    render(postCard(post), section);
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
        h("button", { type: "button", onclick: async () => { await api.mute(username); toast(`Muted @${username}`); } }, "Mute"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Block @${username}?`)) return;
          await api.block(username);
          toast(`Blocked @${username}`);
          location.hash = "#/home";
        } }, "Block"));
    }
    render(
      h("section", { class: "profile card" },
        h("h1", {}, u.display_name || u.username), h("p", { class: "handle" }, `@${u.username}`),
        u.bio ? h("p", {}, u.bio) : null,
        h("p", { class: "counts" }, h("strong", {}, u.followers_count), " followers · ",
          h("strong", {}, u.following_count), " following", u.follows_viewer ? " · follows you" : ""),
        actions),
      h("h2", {}, "Posts"),
      infiniteList((c) => api.userPosts(username, c), postCard, "No posts yet."));
  } catch (err) { render(h("p", { role: "alert" }, err.status === 404 ? "This account does not exist." : err.message)); }
}

function meView() {
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
  render(form);
}

// -- router -------------------------------------------------------------------
async function loadMe() {
  me = await api.me();
  document.getElementById("nav").hidden = false;
}

const routes = [
  [/^#\/login$/, loginView, false],
  [/^#\/register$/, registerView, false],
  [/^#\/verify$/, (m, params) => verifyView(params), false],
  [/^#\/home$/, () => feedView("home"), true],
  [/^#\/discover$/, () => feedView("discover"), true],
  [/^#\/post\/([0-9a-f]{24})$/, (m) => postView(m[1]), true],
  [/^#\/u\/([A-Za-z0-9_]{3,30})$/, (m) => profileView(m[1]), true],
  [/^#\/me$/, () => meView(), true],
];

export async function route() {
  const [path, query] = (location.hash || "#/home").split("?");
  const params = new URLSearchParams(query || "");
  for (const [re, view, needsAuth] of routes) {
    const m = path.match(re);
    if (!m) continue;
    if (needsAuth && !me) {
      if (hasSession()) { try { await loadMe(); } catch { clearSession(); } }
      if (!me) { location.hash = "#/login"; return; }
    }
    return view(m, params);
  }
  location.hash = me || hasSession() ? "#/home" : "#/login";
}

document.getElementById("logout").addEventListener("click", async () => {
  try { await api.logout(); } catch { /* the session is dropped locally anyway */ }
  clearSession();
  me = null;
  document.getElementById("nav").hidden = true;
  location.hash = "#/login";
});

addEventListener("hashchange", route);
route();
