// The service worker: keeps the workbench's pages and the assets so that they open without
// signal. Network first (a page is always as fresh as the network allows), the kept copy when
// the network fails. Only plain GETs of this site; never the API, never a redirect (a signed-out
// visit answers the log-in page, which is not the page asked for). Records themselves wait in
// the outbox (offline.js), not here. Served from the root so that its scope covers /work.
'use strict';

var CACHE = 'wangge-v1';
var PAGES = ['/work', '/work/visits/new', '/work/diary', '/work/patrol', '/work/outbox'];
var ASSETS = [
  '/assets/app.css', '/assets/app.js', '/assets/offline.js', '/assets/vendor/htmx.min.js',
  '/work/outbox/texts.json'
];

self.addEventListener('install', function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) {
    // One by one: a page missing for this role must not stop the others from being kept.
    return Promise.all(PAGES.concat(ASSETS).map(function (u) {
      return fetch(u, { credentials: 'same-origin' }).then(function (r) {
        if (r.ok && !r.redirected) return c.put(u, r);
        return null;
      })['catch'](function () { return null; });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('wangge-') === 0 && k !== CACHE; })
      .map(function (k) { return caches['delete'](k); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(path) {
  if (path.indexOf('/assets/') === 0) return true;
  if (path === '/work/outbox/texts.json') return true;
  return PAGES.indexOf(path) >= 0 || /^\/work\/(visits|diary)\/\d+$/.test(path);
}

self.addEventListener('fetch', function (ev) {
  var req = ev.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || !kept(url.pathname)) return;
  var key = url.pathname + url.search;
  ev.respondWith(fetch(req).then(function (r) {
    if (r.ok && !r.redirected && r.type === 'basic') {
      var copy = r.clone();
      caches.open(CACHE).then(function (c) { return c.put(key, copy); });
    }
    return r;
  }, function () {
    // The page as asked; else the same page without its query (a visit form without its
    // pre-filled target, never another target's); else the outbox page.
    return caches.match(key).then(function (hit) {
      return hit || caches.match(url.pathname);
    }).then(function (hit) {
      // A page not kept opens the outbox page instead; anything else simply fails.
      if (hit || req.mode !== 'navigate') return hit || Response.error();
      return caches.match('/work/outbox').then(function (o) {
        return o || new Response('offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
      });
    });
  }));
});
