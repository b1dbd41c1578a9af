// Time in the grid (巡查): check-in, a position every minute while on patrol, check-out.
// Positions come from navigator.geolocation; everything is sent through the offline outbox
// (window.wgOutbox, offline.js) when the page has one, so positions taken without signal
// arrive later with their own time. A patrol is named in URLs by its check-in's client key,
// which this page makes, so points can be queued before the check-in has reached the server.
(function () {
  'use strict';
  var root = document.querySelector('[data-patrol]');
  if (!root) return;
  var startBtn = root.querySelector('[data-testid="patrol-start"]');
  var endBtn = root.querySelector('[data-testid="patrol-end"]');
  var status = root.querySelector('[data-role="status"]');
  var note = root.querySelector('[data-role="note"]');
  var STORE = 'wg.patrol.open';
  var SAMPLE_MS = 60 * 1000;
  var timer = null;
  var text = function (k) { return root.getAttribute('data-text-' + k) || ''; };

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function send(url, body) {
    if (!body.client_key) body.client_key = uuid();
    if (!body.at) body.at = new Date().toISOString();
    if (window.wgOutbox && typeof window.wgOutbox.send === 'function') {
      return Promise.resolve(window.wgOutbox.send(url, body));
    }
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (e) {
          throw new Error(e.message || String(r.status));
        });
      }
      return r;
    });
  }

  function here() {
    return new Promise(function (ok, no) {
      if (!navigator.geolocation) { no(new Error('geolocation')); return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        ok({ lon: p.coords.longitude, lat: p.coords.latitude, at: new Date().toISOString() });
      }, no, { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 });
    });
  }

  // The open patrol: the server's when it knows one, else one checked in without signal.
  var openKey = root.getAttribute('data-open-key') || '';
  if (!openKey) {
    try {
      var saved = JSON.parse(localStorage.getItem(STORE) || 'null');
      // A patrol left over midnight is ended by the server; do not revive it here.
      if (saved && saved.key && new Date(saved.started).toDateString() === new Date().toDateString()) {
        openKey = saved.key;
      }
    } catch (e) { /* no storage: the server's state only */ }
  }

  function show() {
    var open = !!openKey;
    startBtn.hidden = open;
    endBtn.hidden = !open;
    if (!open) status.textContent = text('closed');
    else if (!status.textContent || status.textContent === text('closed')) status.textContent = text('open');
  }

  function sample() {
    if (!openKey) return;
    var key = openKey;
    here().then(function (p) {
      return send('/api/v1/patrols/' + encodeURIComponent(key) + '/points', {
        points: [{ client_key: uuid(), at: p.at, lon: p.lon, lat: p.lat }]
      });
    }).then(function () { note.textContent = text('sent') + ' ' + new Date().toLocaleTimeString(); },
      function (e) { note.textContent = text('failed') + ' ' + (e && e.message ? e.message : ''); });
  }

  function sampling(on) {
    if (timer) { clearInterval(timer); timer = null; }
    if (on) timer = setInterval(sample, SAMPLE_MS);
  }

  startBtn.addEventListener('click', function () {
    startBtn.disabled = true;
    note.textContent = text('locating');
    here().then(function (p) {
      var key = uuid();
      var started = new Date().toISOString();
      try { localStorage.setItem(STORE, JSON.stringify({ key: key, started: started })); } catch (e) { /* ignore */ }
      openKey = key;
      show();
      sampling(true);
      return send('/api/v1/patrols', { client_key: key, at: p.at, lon: p.lon, lat: p.lat });
    }, function () {
      throw new Error(text('no-position'));
    }).then(function () { note.textContent = text('sent'); },
      function (e) { note.textContent = e && e.message ? e.message : text('failed'); })
      .then(function () { startBtn.disabled = false; });
  });

  endBtn.addEventListener('click', function () {
    var key = openKey;
    if (!key) return;
    endBtn.disabled = true;
    var finish = function (body) {
      openKey = '';
      try { localStorage.removeItem(STORE); } catch (e) { /* ignore */ }
      sampling(false);
      show();
      return send('/api/v1/patrols/' + encodeURIComponent(key) + '/end', body);
    };
    here().then(function (p) { return finish({ at: p.at, lon: p.lon, lat: p.lat }); },
      function () { return finish({}); })
      .then(function () {
        note.textContent = text('sent');
        // Online: show the minutes the server now counts.
        if (navigator.onLine) setTimeout(function () { location.reload(); }, 300);
      }, function (e) { note.textContent = e && e.message ? e.message : text('failed'); })
      .then(function () { endBtn.disabled = false; });
  });

  show();
  if (openKey) sampling(true);
})();
