// The Mastodon journey of issue 24 through megalodon (a maintained npm
// client nobody here wrote), against the running app. Driven by
// tests/api/mastodon/test_node_clients.py, which passes a JSON config on
// stdin: {base, streaming, alice: {token, id}, bob: {token, id, username}, image}
// and reads one JSON object of results from stdout. Every step goes through
// megalodon's public methods only.
import fs from 'node:fs'
import generator from 'megalodon'

const cfg = JSON.parse(fs.readFileSync(0, 'utf8'))
const alice = generator('mastodon', cfg.base, cfg.alice.token)
const bob = generator('mastodon', cfg.base, cfg.bob.token)
const out = {}

function waitFor (socket, event, action, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.stop(); reject(new Error(`no ${event} event within ${ms} ms`)) }, ms)
    socket.on(event, (payload) => { clearTimeout(timer); socket.stop(); resolve(payload) })
    socket.on('error', (err) => { clearTimeout(timer); reject(err) })
    // the server subscribes the socket right after the upgrade: give it a moment
    socket.on('connect', () => { setTimeout(() => action().catch(reject), 500) })
  })
}

async function main () {
  // app registration (the authorisation itself is Python's part of the journey)
  const app = await alice.registerApp('megalodon journey', { scopes: ['read', 'write', 'follow'] })
  out.app_client_id = Boolean(app.client_id)

  const me = await alice.verifyAccountCredentials()
  out.me = me.data.id

  // post with an image (async media: megalodon returns the attachment, url may be null at first)
  const media = await alice.uploadMedia(fs.createReadStream(cfg.image), { description: 'a red square' })
  let attachment = media.data
  for (let i = 0; i < 50 && !attachment.url; i++) {
    await new Promise(r => setTimeout(r, 200))
    attachment = (await alice.getMedia(attachment.id)).data
  }
  out.media_description = attachment.description
  out.media_type = attachment.type
  const posted = await alice.postStatus('hello from #megalodon', { media_ids: [attachment.id] })
  out.status_id = posted.data.id
  out.status_media = posted.data.media_attachments.length
  out.status_tags = posted.data.tags.map(t => t.name)

  // bob follows alice and pages through his home timeline
  await bob.followAccount(cfg.alice.id)
  for (let i = 0; i < 3; i++) await alice.postStatus(`page filler ${i}`)
  const first = await bob.getHomeTimeline({ limit: 2 })
  const second = await bob.getHomeTimeline({ limit: 2, max_id: first.data[first.data.length - 1].id })
  out.home_first = first.data.map(s => s.id)
  out.home_second = second.data.map(s => s.id)
  out.home_link = String(first.headers.link || '')

  // favourite and reblog
  const fav = await bob.favouriteStatus(out.status_id)
  out.favourited = fav.data.favourited
  out.favourites_count = fav.data.favourites_count
  const reblog = await bob.reblogStatus(out.status_id)
  out.reblog_of = reblog.data.reblog ? reblog.data.reblog.id : null

  // a reply and its context
  const reply = await bob.postStatus('nice picture', { in_reply_to_id: out.status_id })
  const ctx = await alice.getStatusContext(out.status_id)
  out.reply_in_context = ctx.data.descendants.map(s => s.id).includes(reply.data.id)

  // notifications on alice's side
  const notes = await alice.getNotifications({ limit: 20 })
  out.notification_types = notes.data.map(n => n.type).sort()

  // search
  const found = await alice.search('megalodon', { type: 'statuses' })
  out.search_statuses = found.data.statuses.map(s => s.id)
  const people = await alice.search(cfg.bob.username, { type: 'accounts' })
  out.search_accounts = people.data.accounts.map(a => a.id)

  // stream a notification: alice listens, bob favourites another post
  const another = await alice.postStatus('stream me')
  const socket = await alice.userStreaming()
  const streamed = await waitFor(socket, 'notification', () => bob.favouriteStatus(another.data.id))
  out.streamed_type = streamed.type
  out.streamed_status = streamed.status ? streamed.status.id : null
  out.another_id = another.data.id

  // bad input: Mastodon's error shape
  try {
    await alice.getStatus('nonexistent')
    out.missing_status = 'no error'
  } catch (err) {
    out.missing_status = err.response ? { status: err.response.status, body: err.response.data } : String(err)
  }
}

main().then(() => {
  process.stdout.write(JSON.stringify(out))
  process.exit(0)
}).catch((err) => {
  process.stdout.write(JSON.stringify({ ...out, failure: String(err && err.stack || err) }))
  process.exit(1)
})
