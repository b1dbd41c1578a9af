// wangge work pages: the event's small map and the print button. No inline scripts (CSP).
(function () {
  'use strict';

  function eventMap(el) {
    if (typeof L === 'undefined') return;
    var lat = parseFloat(el.getAttribute('data-lat'));
    var lon = parseFloat(el.getAttribute('data-lon'));
    var text = el.getAttribute('data-boundary');
    var tiles = el.getAttribute('data-tiles');
    var map = L.map(el, { attributionControl: !!tiles, zoomSnap: 0.25, scrollWheelZoom: false });
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    var hasPoint = isFinite(lat) && isFinite(lon);
    var grid = null;
    if (text) {
      try {
        grid = L.geoJSON(JSON.parse(text), { style: { color: '#2563eb', weight: 2, fillColor: '#2563eb', fillOpacity: 0.15 } });
      } catch (e) { grid = null; /* a broken boundary leaves just the point */ }
    }
    var bounds = grid ? grid.getBounds() : null;
    if (bounds && !bounds.isValid()) bounds = null;
    if (bounds && hasPoint) bounds.extend([lat, lon]);
    // The view first: Leaflet cannot draw vectors on a map without one.
    if (bounds) map.fitBounds(bounds, { padding: [16, 16], animate: false });
    else if (hasPoint) map.setView([lat, lon], 16);
    else { el.hidden = true; map.remove(); return; }
    if (grid) grid.addTo(map);
    if (hasPoint) L.circleMarker([lat, lon], { radius: 8, color: '#b91c1c', weight: 3, fillColor: '#ef4444', fillOpacity: 0.9 }).addTo(map);
    el.setAttribute('data-ready', 'true');
  }

  function init() {
    var m = document.getElementById('event-map');
    if (m) eventMap(m);
    Array.prototype.forEach.call(document.querySelectorAll('.js-print'), function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
    // A submitted form cannot be sent twice by a double tap.
    Array.prototype.forEach.call(document.querySelectorAll('.ev-act form'), function (f) {
      f.addEventListener('submit', function () {
        var b = f.querySelector('button[type=submit]');
        if (b) setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
