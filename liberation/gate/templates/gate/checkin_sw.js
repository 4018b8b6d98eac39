// Service worker of the gate check-in app (rendered by checkin_views.service_worker).
// Static assets: cache first (their URLs change with their content in production).
// App pages: network first, the cached copy when offline. Lists and scans are never
// cached here: the app keeps them in IndexedDB, and a POST is never replayed by us.
const VERSION = "{{ version }}";
const ASSETS_CACHE = "liberation-checkin-assets-" + VERSION;
const PAGES_CACHE = "liberation-checkin-pages";
const ASSETS = {{ assets_json|safe }};
const STATIC_URL = "{{ static_url|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(ASSETS_CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("liberation-checkin-assets-") && key !== ASSETS_CACHE)
            .map((key) => caches.delete(key))
        )
      )
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(ASSETS_CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.startsWith(STATIC_URL)) {
    event.respondWith(cacheFirst(request));
  }
});
