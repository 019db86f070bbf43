// The offline shell: the app's files are cached at install and served network-first; the API
// is never cached here (the data lives in the app's own database; the after-photos kept for
// verification, photos.js, in a cache of their own, which an update leaves alone).
const CACHE = 'xuncha-shell-v1'
const SHELL = ['/app/', '/app/app.js', '/app/app.css', '/app/manifest.webmanifest', '/app/icon.svg']

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()))
})
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k.startsWith('xuncha-shell-') && k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()))
})
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || !url.pathname.startsWith('/app/')) return
  // Network first for the shell, so a new build arrives; the cache when offline.
  event.respondWith(fetch(event.request).then((response) => {
    const copy = response.clone()
    if (response.ok) caches.open(CACHE).then((c) => c.put(event.request, copy))
    return response
  }).catch(() => caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || caches.match('/app/'))))
})
