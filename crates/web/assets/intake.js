// Report forms (the resident's QR page and the staff form): location by the browser or a tap on
// the map, photo checks before sending, anonymous reporting, no double sending, and the tracking
// page's "copy link".
// No inline scripts (CSP script-src 'self'): the page passes texts in data-* attributes.
(function () {
  'use strict';

  var MAX_BYTES = 5 * 1024 * 1024;
  var TYPES = ['image/jpeg', 'image/png', 'image/webp'];

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function fmt(text, file) { return String(text || '').replace('{file}', file); }

  function initLocation(form) {
    var lat = $('[data-role=lat]', form), lon = $('[data-role=lon]', form);
    var text = $('[data-role=loc-text]', form);
    var clear = $('[data-role=clear-location]', form);
    var locate = $('[data-role=locate]', form);
    var grid = $('[data-role=grid]', form);
    var el = $('#pick-map', form);
    var map = null, marker = null;

    function show() {
      var has = lat.value !== '' && lon.value !== '';
      text.textContent = has
        ? text.getAttribute('data-picked') + ' ' + Number(lat.value).toFixed(6) + ', ' + Number(lon.value).toFixed(6)
        : text.getAttribute('data-none');
      if (clear) clear.hidden = !has;
      if (!map) return;
      if (has) {
        var ll = [Number(lat.value), Number(lon.value)];
        if (marker) marker.setLatLng(ll);
        else marker = L.marker(ll).addTo(map);
      } else if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    }

    function set(la, lo, pan) {
      lat.value = la.toFixed(7);
      lon.value = lo.toFixed(7);
      // A point decides the grid; a grid chosen by hand would override it.
      if (grid) grid.value = '';
      show();
      if (pan && map) map.setView([la, lo], Math.max(map.getZoom(), 16));
    }

    if (el && typeof L !== 'undefined') {
      var tiles = el.getAttribute('data-tiles');
      map = L.map(el, { attributionControl: !!tiles, zoomSnap: 0.25 });
      if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
      map.setView([26.07, 119.3], 11);
      var b = el.getAttribute('data-boundary');
      if (b) {
        try {
          var layer = L.geoJSON(JSON.parse(b), { style: { color: '#2563eb', weight: 2, fillOpacity: 0.08 } }).addTo(map);
          map.fitBounds(layer.getBounds(), { padding: [8, 8] });
          // Taps on the grid itself reach the map.
          layer.on('click', function (ev) { set(ev.latlng.lat, ev.latlng.lng, false); });
        } catch (e) { /* a bad boundary leaves the plain map */ }
      }
      map.on('click', function (ev) { set(ev.latlng.lat, ev.latlng.lng, false); });
    }

    if (locate) {
      if (!navigator.geolocation) locate.hidden = true;
      locate.addEventListener('click', function () {
        text.textContent = text.getAttribute('data-locating');
        navigator.geolocation.getCurrentPosition(function (pos) {
          set(pos.coords.latitude, pos.coords.longitude, true);
        }, function () {
          text.textContent = text.getAttribute('data-failed');
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    if (clear) clear.addEventListener('click', function () { lat.value = ''; lon.value = ''; show(); });
    show();
  }

  function initPhotos(form) {
    var input = $('input[type=file][name=photos]', form);
    var msg = $('[data-role=photo-msg]', form);
    if (!input || !msg) return;
    input.addEventListener('change', function () {
      var max = Number(input.getAttribute('data-max') || 3);
      var problem = '';
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length > max) problem = input.getAttribute('data-too-many');
      files.forEach(function (f) {
        if (problem) return;
        if (TYPES.indexOf(f.type) < 0) problem = fmt(input.getAttribute('data-bad-type'), f.name);
        else if (f.size > MAX_BYTES) problem = fmt(input.getAttribute('data-too-big'), f.name);
      });
      msg.textContent = problem;
      msg.hidden = !problem;
      if (problem) input.value = '';
    });
  }

  function initContact(form) {
    var anon = $('[data-role=anonymous]', form);
    if (!anon) return;
    function apply() {
      $$('[data-role=contact]', form).forEach(function (i) { i.disabled = anon.checked; });
    }
    anon.addEventListener('change', apply);
    apply();
  }

  function initOnSpot(form) {
    var box = $('[data-role=on-spot]', form);
    var result = $('[data-role=on-spot-result]', form);
    if (!box || !result) return;
    box.addEventListener('change', function () { result.hidden = !box.checked; });
  }

  function initSubmit(form) {
    form.addEventListener('submit', function () {
      var b = $('button[type=submit]', form);
      if (!b) return;
      // Sent once; the page's submission key guards against a second send anyway.
      setTimeout(function () { b.disabled = true; b.textContent = b.getAttribute('data-busy') || b.textContent; }, 0);
    });
  }

  // The tracking page's "copy link": the clipboard where the browser allows it (secure pages),
  // else the link is selected for the resident to copy by hand, and the page says so.
  function initCopy(button) {
    var msg = $('[data-role=copy-msg]');
    function say(text, ok) {
      if (!msg) return;
      msg.textContent = text;
      msg.className = 'form-msg ' + (ok ? 'ok' : 'error');
    }
    function fallback() {
      var code = $('[data-testid=track-url]');
      if (code && window.getSelection && document.createRange) {
        var range = document.createRange();
        range.selectNodeContents(code);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      say(button.getAttribute('data-failed'), false);
    }
    button.addEventListener('click', function () {
      var text = button.getAttribute('data-copy');
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () {
          say(button.getAttribute('data-copied'), true);
        }, fallback);
      } else {
        fallback();
      }
    });
  }

  function init() {
    $$('button[data-copy]').forEach(initCopy);
    // Coming back to the page (the browser's back button) gives the buttons back.
    window.addEventListener('pageshow', function () {
      $$('form[data-intake] button[type=submit]').forEach(function (b) { b.disabled = false; });
    });
    $$('form[data-intake]').forEach(function (form) {
      initLocation(form);
      initPhotos(form);
      initContact(form);
      initOnSpot(form);
      initSubmit(form);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
