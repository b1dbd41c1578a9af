// The outbox: records made without signal wait on the phone (IndexedDB) and are sent when the
// signal returns, with their own time and position, exactly once (a client-made key the server
// remembers; an item leaves the outbox only after 200 or 201).
//
// A form with data-offline="/api/v1/…" is sent through here: its named fields become JSON
// (numbers stay text unless the input is type=number; checkboxes true/false; the file input
// `photos` a list of {content_type, data: base64}), plus client_key, at and lon/lat. Scripts
// call window.wgOutbox.send(url, body) for the same. 4xx: kept as refused with the server's
// message; a network error or 5xx: kept and sent again on `online`, on page load and every
// half minute. Items belong to the user who made them and are only sent in their session.
// No inline scripts (CSP): texts come from data-* attributes or /work/outbox/texts.json.
(function () {
  'use strict';

  var DB = 'wangge-outbox';
  var STORE = 'items';
  var RETRY_MS = 30000;

  var banner = document.querySelector('[data-testid="outbox-banner"]');
  var user = banner ? banner.getAttribute('data-user') || '' : '';
  var sending = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Not a secure context (plain http on a LAN): a v4 UUID from getRandomValues.
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return hex.slice(0, 8) + '-' + hex.slice(8, 12) + '-' + hex.slice(12, 16) + '-' + hex.slice(16, 20) + '-' + hex.slice(20);
  }

  // ---- IndexedDB, as promises ----
  var dbPromise = null;
  function db() {
    if (!window.indexedDB) return Promise.reject(new Error('no IndexedDB'));
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var req = indexedDB.open(DB, 1);
        req.onupgradeneeded = function () {
          var s = req.result.createObjectStore(STORE, { keyPath: 'client_key' });
          s.createIndex('user', 'user');
        };
        req.onsuccess = function () { resolve(req.result); };
        req.onerror = function () { dbPromise = null; reject(req.error); };
      });
    }
    return dbPromise;
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(STORE, mode);
        var out;
        t.oncomplete = function () { resolve(out); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
        out = fn(t.objectStore(STORE));
        if (out && typeof out === 'object' && 'onsuccess' in out) {
          var req = out;
          req.onsuccess = function () { out = req.result; };
        }
      });
    });
  }
  function put(item) { return tx('readwrite', function (s) { s.put(item); }); }
  function remove(key) { return tx('readwrite', function (s) { s['delete'](key); }); }
  function get(key) { return tx('readonly', function (s) { return s.get(key); }); }
  function mine() {
    return tx('readonly', function (s) { return s.index('user').getAll(user); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
    });
  }

  // ---- texts and errors in the page's language ----
  var textsPromise = null;
  function pageTexts() {
    var el = document.querySelector('[data-outbox-list]');
    if (el) {
      try {
        return Promise.resolve({
          texts: JSON.parse(el.getAttribute('data-texts') || '{}'),
          errors: JSON.parse(el.getAttribute('data-errors') || '{}')
        });
      } catch (e) { /* fall through to the server's copy */ }
    }
    if (!textsPromise) {
      textsPromise = fetch('/work/outbox/texts.json', { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)); })
        .catch(function () { textsPromise = null; return { texts: {}, errors: {} }; });
    }
    return textsPromise;
  }
  function errorText(t, err) {
    if (!err) return '';
    var loc = window.wangge && window.wangge.localized;
    var zh = document.documentElement.lang !== 'en' && loc ? loc(t.errors || {}, err.code, err.message) : null;
    return zh || err.message || ('HTTP ' + err.status);
  }

  // ---- sending ----
  // One item: resolves to 'sent', 'refused' or 'waiting'.
  function sendItem(item) {
    item.tries = (item.tries || 0) + 1;
    return fetch(item.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (r.status === 200 || r.status === 201) {
          return remove(item.client_key).then(function () { item.result = data; return 'sent'; });
        }
        if (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 408 && r.status !== 429) {
          item.state = 'refused';
          item.error = { status: r.status, code: data && data.code, message: data && data.message };
          return put(item).then(function () { return 'refused'; });
        }
        // Signed out (401), throttled or a server in trouble: wait and try again.
        item.state = 'waiting';
        item.error = { status: r.status, code: data && data.code, message: data && data.message };
        return put(item).then(function () { return 'waiting'; });
      });
    }, function () {
      item.state = 'waiting';
      return put(item).then(function () { return 'waiting'; });
    });
  }

  // Sends every waiting item of this user, oldest first, one at a time (so a visit made
  // before a diary arrives before it).
  function flush() {
    if (sending || !user) return Promise.resolve();
    sending = true;
    return mine().then(function (items) {
      var waiting = items.filter(function (i) { return i.state !== 'refused'; });
      var chain = Promise.resolve();
      var stop = false;
      waiting.forEach(function (i) {
        chain = chain.then(function () {
          if (stop) return null;
          return sendItem(i).then(function (r) { if (r === 'waiting') stop = true; });
        });
      });
      return chain;
    }).catch(function () { /* IndexedDB unavailable: nothing kept */ })
      .then(function () { sending = false; return refresh(); });
  }

  // Keeps a record and sends it; resolves to {state, item}.
  function send(url, body) {
    body = body || {};
    if (!body.client_key) body.client_key = uuid();
    if (!body.at) body.at = new Date().toISOString();
    var item = {
      client_key: body.client_key, user: user, url: url, body: body,
      made_at: body.at, tries: 0, state: 'waiting', error: null
    };
    return put(item).then(function () {
      refresh();
      return sendItem(item);
    }, function () {
      // No IndexedDB (a private window): send directly, nothing is kept.
      return sendItem(item);
    }).then(function (state) {
      refresh();
      return { state: state, item: item };
    });
  }

  // ---- the banner ----
  function refresh() {
    if (!banner || !user) return Promise.resolve();
    return mine().then(function (items) {
      var refused = items.filter(function (i) { return i.state === 'refused'; }).length;
      var waiting = items.length - refused;
      var c = banner.querySelector('[data-outbox-count]');
      if (c) c.textContent = String(waiting);
      var r = banner.querySelector('[data-outbox-refused]');
      if (r) {
        r.hidden = refused === 0;
        var rc = r.querySelector('[data-outbox-refused-count]');
        if (rc) rc.textContent = String(refused);
      }
      banner.hidden = items.length === 0;
      banner.setAttribute('data-waiting', String(waiting));
      banner.setAttribute('data-refused', String(refused));
      renderList(items);
    }).catch(function () { /* nothing kept */ });
  }

  // ---- forms ----
  function readFile(f) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () {
        var s = String(r.result || '');
        resolve({ content_type: f.type || 'image/jpeg', data: s.slice(s.indexOf(',') + 1) });
      };
      r.onerror = function () { reject(r.error); };
      r.readAsDataURL(f);
    });
  }

  function formJson(form) {
    var body = {};
    var files = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || /^(submit|button|reset|image)$/.test(el.type)) return;
      if (el.type === 'file') {
        if (el.name === 'photos') Array.prototype.forEach.call(el.files || [], function (f) { files.push(f); });
        return;
      }
      if (el.type === 'checkbox') { body[el.name] = el.checked; return; }
      if (el.type === 'radio') { if (el.checked) body[el.name] = el.value; return; }
      if (el.type === 'number') { if (el.value !== '') body[el.name] = Number(el.value); return; }
      body[el.name] = el.value;
    });
    // A key made now: the page's own (for the plain form) may have been used already.
    body.client_key = uuid();
    body.at = new Date().toISOString();
    return Promise.all(files.map(readFile)).then(function (photos) {
      if (photos.length) body.photos = photos;
      return body;
    });
  }

  function position() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve(null); return; }
      var done = false;
      var finish = function (v) { if (!done) { done = true; resolve(v); } };
      setTimeout(function () { finish(null); }, 8000);
      navigator.geolocation.getCurrentPosition(function (p) {
        finish({ lon: p.coords.longitude, lat: p.coords.latitude });
      }, function () { finish(null); }, { enableHighAccuracy: true, timeout: 7000, maximumAge: 60000 });
    });
  }

  function status(form, text, ok) {
    var el = form.previousElementSibling;
    if (!el || !el.hasAttribute('data-outbox-status')) {
      el = document.createElement('p');
      el.setAttribute('data-outbox-status', '');
      el.setAttribute('data-testid', 'outbox-status');
      el.setAttribute('role', 'status');
      form.parentNode.insertBefore(el, form);
    }
    el.className = 'form-msg ' + (ok ? 'ok' : 'error');
    el.textContent = text;
  }

  function onSubmit(ev) {
    var form = ev.target;
    if (!form || !form.matches || !form.matches('form[data-offline]')) return;
    ev.preventDefault();
    if (form.getAttribute('data-busy')) return;
    form.setAttribute('data-busy', '1');
    var btn = form.querySelector('[type=submit]');
    if (btn) btn.disabled = true;
    var url = form.getAttribute('data-offline');
    Promise.all([formJson(form), position()]).then(function (got) {
      var body = got[0];
      if (got[1]) { body.lon = got[1].lon; body.lat = got[1].lat; }
      return send(url, body);
    }).then(function (r) {
      return pageTexts().then(function (t) {
        if (r.state === 'sent') {
          var next = form.getAttribute('data-next');
          var id = r.item.result && r.item.result.id;
          if (next && id !== undefined) { window.location.href = next.replace('{id}', encodeURIComponent(String(id))); return; }
          form.reset();
          status(form, (t.texts && t.texts['outbox.sent']) || 'OK', true);
        } else if (r.state === 'refused') {
          status(form, errorText(t, r.item.error), false);
        } else {
          form.reset();
          status(form, (t.texts && t.texts['outbox.saved_offline']) || 'Saved', true);
        }
      });
    }).catch(function (e) {
      status(form, String(e && e.message || e), false);
    }).then(function () {
      form.removeAttribute('data-busy');
      if (btn) btn.disabled = false;
    });
  }

  // ---- the outbox page ----
  function renderList(items) {
    var box = document.querySelector('[data-outbox-list]');
    if (!box) return;
    pageTexts().then(function (t) {
      var tx = t.texts || {};
      var ul = box.querySelector('ul');
      var empty = box.querySelector('[data-outbox-empty]');
      ul.textContent = '';
      if (empty) empty.hidden = items.length > 0;
      items.forEach(function (i) {
        var li = document.createElement('li');
        li.setAttribute('data-testid', 'outbox-item');
        li.setAttribute('data-state', i.state);
        li.setAttribute('data-key', i.client_key);
        var state = document.createElement('span');
        state.className = 'ob-state ' + i.state;
        state.textContent = tx['outbox.' + (i.state === 'refused' ? 'refused' : 'waiting')] || i.state;
        li.appendChild(state);
        var what = document.createElement('div');
        what.className = 'ob-what';
        var kind = tx['outbox.kind.' + i.url] || tx['outbox.kind.other'] || i.url;
        var b = i.body || {};
        var summary = String(b.body || b.seen || b.target_kind || '').slice(0, 80);
        what.textContent = kind + (summary ? ' · ' + summary : '');
        li.appendChild(what);
        var meta = document.createElement('div');
        meta.className = 'muted';
        meta.textContent = (tx['outbox.made_at'] || '') + ' ' + new Date(i.made_at).toLocaleString(document.documentElement.lang || undefined) +
          ' · ' + (tx['outbox.tries'] || '') + ' ' + (i.tries || 0);
        li.appendChild(meta);
        if (i.state === 'refused' && i.error) {
          var e = document.createElement('div');
          e.className = 'form-msg error';
          e.setAttribute('data-testid', 'outbox-error');
          e.textContent = errorText(t, i.error);
          li.appendChild(e);
        }
        var actions = document.createElement('div');
        actions.className = 'ob-actions';
        var retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'small';
        retry.setAttribute('data-testid', 'outbox-retry');
        retry.textContent = tx['outbox.retry'] || 'Retry';
        retry.addEventListener('click', function () {
          get(i.client_key).then(function (cur) {
            if (!cur) return refresh();
            cur.state = 'waiting';
            return sendItem(cur).then(refresh);
          });
        });
        var discard = document.createElement('button');
        discard.type = 'button';
        discard.className = 'small';
        discard.setAttribute('data-testid', 'outbox-discard');
        discard.textContent = tx['outbox.discard'] || 'Discard';
        discard.addEventListener('click', function () {
          if (!window.confirm(tx['outbox.discard_confirm'] || 'Discard?')) return;
          remove(i.client_key).then(refresh);
        });
        actions.appendChild(retry);
        actions.appendChild(discard);
        li.appendChild(actions);
        ul.appendChild(li);
      });
    });
  }

  // ---- start ----
  window.wgOutbox = { send: send, flush: flush, refresh: refresh, uuid: uuid };

  document.addEventListener('submit', onSubmit, true);
  window.addEventListener('online', function () { flush(); });
  document.addEventListener('visibilitychange', function () { if (!document.hidden) flush(); });
  setInterval(function () { if (navigator.onLine !== false) flush(); }, RETRY_MS);

  // Signing out clears the pages the service worker kept: they hold this user's data.
  document.addEventListener('submit', function (ev) {
    var f = ev.target;
    if (f && f.getAttribute && f.getAttribute('action') === '/logout' && window.caches) {
      caches.keys().then(function (keys) { keys.forEach(function (k) { if (k.indexOf('wangge-') === 0) caches['delete'](k); }); });
    }
  });

  function start() {
    var all = document.querySelector('[data-outbox-retry-all]');
    if (all) all.addEventListener('click', function () {
      mine().then(function (items) {
        return Promise.all(items.map(function (i) { i.state = 'waiting'; return put(i); }));
      }).then(flush);
    });
    // The texts are read while the signal is there, so a form sent offline speaks the page's
    // language too.
    if (user) pageTexts();
    refresh();
    flush();
    if ('serviceWorker' in navigator && user) {
      navigator.serviceWorker.register('/sw.js').catch(function () { /* not a secure context */ });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
