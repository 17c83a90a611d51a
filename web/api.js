// A small client of the socialgraph REST API (only public endpoints).
//
// Tokens, as the API docs recommend for browser clients: the access token is
// kept in memory only; the refresh token in sessionStorage (this tab, cleared
// when it closes), never in localStorage or a cookie readable by other tabs.
// A 401 on an authenticated call triggers one refresh and one retry.

const BASE = "/api/v1";
let accessToken = null;
const REFRESH_KEY = "sg.refresh";

//: what a person reads when the server or the network fails (never a stack trace or "HTTP 503")
const PLAIN = {
  0: "You seem to be offline. Check your connection and try again.",
  429: "That was a lot at once. Please wait a moment and try again.",
  500: "Something went wrong on our side. Please try again.",
  503: "socialgraph is busy or briefly unavailable. Please try again in a moment.",
};

export class ApiError extends Error {
  constructor(status, problem) {
    super(status >= 500 || status === 0 || status === 429 ? (PLAIN[status] || PLAIN[500])
      : problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
  fieldErrors() {
    return Object.fromEntries((this.problem.errors || []).map((e) => [e.field, e.message]));
  }
}

export function setSession(tokens) {
  accessToken = tokens.access_token;
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

export function clearSession() {
  accessToken = null;
  sessionStorage.removeItem(REFRESH_KEY);
}

export function hasSession() {
  return Boolean(accessToken || sessionStorage.getItem(REFRESH_KEY));
}

export function currentAccessToken() {
  return accessToken;
}

async function refresh() {
  const rt = sessionStorage.getItem(REFRESH_KEY);
  if (!rt) return false;
  let r;
  try { r = await fetch(`${BASE}/auth/refresh`, { method: "POST", headers: { Authorization: `Bearer ${rt}` } }); }
  catch { throw new ApiError(0, {}); }  // offline: the session stays
  if (r.status === 401 || r.status === 403 || r.status === 422) { clearSession(); return false; }
  if (!r.ok) throw new ApiError(r.status, {});  // an outage is not a logout
  accessToken = (await r.json()).access_token;
  return true;
}

export async function ensureAccess() {
  if (!accessToken && sessionStorage.getItem(REFRESH_KEY)) await refresh();
  return accessToken;
}

export async function request(method, path, { body, query, form, auth = true, retry = true } = {}) {
  if (auth) await ensureAccess();
  const url = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const headers = {};
  if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  let payload;
  if (form) payload = form;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  let r;
  try { r = await fetch(url, { method, headers, body: payload }); }
  catch { throw new ApiError(0, {}); }
  if (r.status === 401 && auth && retry && (await refresh())) {
    return request(method, path, { body, query, form, auth, retry: false });
  }
  if (r.status === 204) return null;
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new ApiError(r.status, typeof data === "object" ? data : { detail: data });
  return data;
}

export const api = {
  register: (b) => request("POST", "/auth/register", { body: b, auth: false }),
  verifyEmail: (token) => request("POST", "/auth/verify-email", { body: { token }, auth: false }),
  passwordReset: (email) => request("POST", "/auth/password-reset", { body: { email }, auth: false }),
  confirmPasswordReset: (token, password) => request("POST", "/auth/password-reset/confirm",
    { body: { token, password }, auth: false }),
  login: (b) => request("POST", "/auth/login", { body: b, auth: false }),
  logout: () => request("POST", "/auth/logout"),
  me: () => request("GET", "/me"),
  patchMe: (b) => request("PATCH", "/me", { body: b }),
  user: (u) => request("GET", `/users/${encodeURIComponent(u)}`),
  userPosts: (u, cursor) => request("GET", `/users/${encodeURIComponent(u)}/posts`, { query: { cursor } }),
  follow: (u) => request("PUT", `/users/${encodeURIComponent(u)}/follow`),
  unfollow: (u) => request("DELETE", `/users/${encodeURIComponent(u)}/follow`),
  block: (u) => request("PUT", `/users/${encodeURIComponent(u)}/block`),
  unblock: (u) => request("DELETE", `/users/${encodeURIComponent(u)}/block`),
  mute: (u) => request("PUT", `/users/${encodeURIComponent(u)}/mute`),
  home: (cursor) => request("GET", "/feeds/home", { query: { cursor } }),
  discover: (cursor) => request("GET", "/feeds/discover", { query: { cursor } }),
  createPost: (b) => request("POST", "/posts", { body: b }),
  post: (id) => request("GET", `/posts/${id}`),
  deletePost: (id) => request("DELETE", `/posts/${id}`),
  comments: (id, query) => request("GET", `/posts/${id}/comments`, { query }),
  comment: (id, b) => request("POST", `/posts/${id}/comments`, { body: b }),
  react: (id, type) => request("PUT", `/posts/${id}/reaction`, { body: { type } }),
  unreact: (id) => request("DELETE", `/posts/${id}/reaction`),
  share: (id, text) => request("POST", `/posts/${id}/shares`, { body: text ? { text } : {} }),
  uploadMedia: (file, description) => {
    const f = new FormData(); f.append("file", file);
    if (description) f.append("description", description);
    return request("POST", "/media", { form: f });
  },
  describeMedia: (id, description) => request("PATCH", `/media/${id}`, { body: { description } }),
  loginMfa: (b) => request("POST", "/auth/login/mfa", { body: b, auth: false }),
  // graph
  friendRequest: (u) => request("POST", `/users/${encodeURIComponent(u)}/friend-request`),
  acceptFriend: (u) => request("POST", `/me/friend-requests/${encodeURIComponent(u)}/accept`),
  unfriend: (u) => request("DELETE", `/users/${encodeURIComponent(u)}/friend`),
  suggestions: (cursor) => request("GET", "/me/suggestions", { query: { cursor } }),
  incomingRequests: () => request("GET", "/me/friend-requests/incoming"),
  // notifications and messages
  notifications: (cursor) => request("GET", "/notifications", { query: { cursor } }),
  unreadCount: () => request("GET", "/notifications/unread-count"),
  readAll: () => request("POST", "/notifications/read-all"),
  conversations: () => request("GET", "/conversations"),
  startConversation: (members) => request("POST", "/conversations", { body: { members } }),
  conversation: (id) => request("GET", `/conversations/${id}`),
  messages: (id, cursor) => request("GET", `/conversations/${id}/messages`, { query: { cursor } }),
  sendMessage: (id, text) => request("POST", `/conversations/${id}/messages`, { body: { text } }),
  // stories and groups
  tray: () => request("GET", "/stories/tray"),
  userStories: (u) => request("GET", `/users/${encodeURIComponent(u)}/stories`),
  story: (id) => request("GET", `/stories/${id}`),
  createTextStory: (text) => request("POST", "/stories", { body: { text } }),
  myGroups: () => request("GET", "/me/groups"),
  groups: (q) => request("GET", "/groups", { query: { q } }),
  group: (id) => request("GET", `/groups/${id}`),
  createGroup: (b) => request("POST", "/groups", { body: b }),
  patchGroup: (id, b) => request("PATCH", `/groups/${id}`, { body: b }),
  joinGroup: (id) => request("POST", `/groups/${id}/join`),
  groupPosts: (id, cursor) => request("GET", `/groups/${id}/posts`, { query: { cursor } }),
  groupPost: (id, text) => request("POST", `/groups/${id}/posts`, { body: { text } }),
  // issue 19: pictures, search, tags, media status, notifications, push, groups
  putAvatar: (file) => { const f = new FormData(); f.append("file", file); return request("PUT", "/me/avatar", { form: f }); },
  deleteAvatar: () => request("DELETE", "/me/avatar"),
  putCover: (file) => { const f = new FormData(); f.append("file", file); return request("PUT", "/me/cover", { form: f }); },
  deleteCover: () => request("DELETE", "/me/cover"),
  searchPosts: (q, cursor) => request("GET", "/search/posts", { query: { q, cursor } }),
  searchUsers: (q, cursor) => request("GET", "/search/users", { query: { q, cursor } }),
  tagPosts: (tag, cursor) => request("GET", `/tags/${encodeURIComponent(tag)}/posts`, { query: { cursor } }),
  media: (id) => request("GET", `/media/${id}`),
  declineFriend: (u) => request("POST", `/me/friend-requests/${encodeURIComponent(u)}/decline`),
  approveFollow: (u) => request("POST", `/me/follow-requests/${encodeURIComponent(u)}/approve`),
  rejectFollow: (u) => request("POST", `/me/follow-requests/${encodeURIComponent(u)}/reject`),
  markRead: (id) => request("POST", `/notifications/${id}/read`),
  groupMembers: (id, cursor) => request("GET", `/groups/${id}/members`, { query: { cursor } }),
  // comments' reactions, stories with pictures, DM unread badge
  getComment: (id) => request("GET", `/comments/${id}`),
  reactComment: (id, type) => request("PUT", `/comments/${id}/reaction`, { body: { type } }),
  unreactComment: (id) => request("DELETE", `/comments/${id}/reaction`),
  createImageStory: (file, overlays = []) => {
    const f = new FormData(); f.append("image", file);
    if (overlays.length) f.append("overlays", JSON.stringify(overlays));
    return request("POST", "/stories/image", { form: f });
  },
  createVideoStory: (mediaId, overlays = []) => request("POST", "/stories/video", { body: { media_id: mediaId, overlays } }),
  storyViewers: (id) => request("GET", `/stories/${id}/viewers`),
  unreadConversations: () => request("GET", "/conversations/unread-count"),
  readConversation: (id, messageId) => request("POST", `/conversations/${id}/read`, { body: { message_id: messageId } }),
  pushServerKey: () => request("GET", "/push/server-key", { auth: false }),
  pushSubscribe: (subscription) => request("POST", "/push/subscription", { body: { subscription } }),
  pushUnsubscribe: () => request("DELETE", "/push/subscription"),
};

// The real-time stream (GET /api/v1/stream): the access token goes in the query
// because browsers cannot set headers on a WebSocket; it is checked before the upgrade.
export function openStream(onFrame, { since = 0 } = {}) {
  let ws = null, closed = false, last = since, delay = 1000;
  async function connect() {
    const token = await ensureAccess();
    if (!token || closed) return;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${proto}://${location.host}${BASE}/stream?access_token=${encodeURIComponent(token)}`);
    ws.onopen = () => { delay = 1000; if (last) ws.send(JSON.stringify({ type: "resume", since: last })); };
    ws.onmessage = (e) => {
      const frame = JSON.parse(e.data);
      if (frame.type === "hello" && !last) last = frame.last_seq || 0;
      if (frame.type === "notification") last = Math.max(last, frame.notification.seq || 0);
      onFrame(frame);
    };
    ws.onclose = () => {
      if (closed) return;
      accessToken = null; // refreshed before reconnecting (the server closes expired sockets)
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
  return { close() { closed = true; ws?.close(); } };
}
