// socialgraph service worker: shows Web Push messages (RFC 8030/8291; the
// payload is decrypted by the browser) and opens the post or profile on click.
self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch { data = { body: event.data?.text() || "" }; }
  event.waitUntil(self.registration.showNotification(data.title || "socialgraph", {
    body: data.body || "You have a new notification.",
    icon: data.icon || undefined,
    tag: data.notification_id || undefined, // a grouped notification replaces the previous one
    data: { url: data.url || "/#/notifications" },
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil((async () => {
    const wins = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
    for (const w of wins) {
      if (new URL(w.url).origin === self.location.origin) { await w.focus(); return w.navigate(url); }
    }
    return self.clients.openWindow(url);
  })());
});
