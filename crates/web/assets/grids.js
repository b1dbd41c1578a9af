// The grid pages' scripts: the grid map (search, labels), a grid's small map, the boundary
// editor (check before saving, confirm when not clean), drawing a new grid on the tree page and
// restoring a version on the grid page. Helpers come from app.js (window.wangge), which runs
// after this file; so everything starts on DOMContentLoaded.
(function () {
  'use strict';

  var W, h, api, errorText, readJson, areaText;
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  // Leaflet reads a string tooltip as HTML; names are people's text, so they go in as a text node.
  function asText(s) { return document.createTextNode(String(s == null ? '' : s)); }

  function baseMap(el, opts) {
    var tiles = el.getAttribute('data-tiles');
    var map = L.map(el, Object.assign({ attributionControl: !!tiles, zoomSnap: 0.25 }, opts || {}));
    if (tiles) L.tileLayer(tiles, { maxZoom: 19 }).addTo(map);
    map.setView([26.07, 119.3], 11);
    return map;
  }

  function tagPaths(group) {
    group.eachLayer(function (l) {
      var e = l.getElement && l.getElement();
      if (e && l.feature) {
        e.setAttribute('data-code', l.feature.properties.code);
        if (l.feature.properties.kind) e.setAttribute('data-kind', l.feature.properties.kind);
      }
    });
  }

  function fetchJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  // ---- the grid map ----

  function popupCard(p, texts, kinds) {
    return h('div', { 'class': 'popup-card', 'data-code': p.code },
      h('b', {}, p.name || ''),
      h('div', {}, (texts['field.code'] || 'Code') + ': ', h('code', {}, p.code)),
      h('div', {}, (texts['field.kind'] || 'Kind') + ': ' + (kinds[p.kind] || p.kind || '')),
      h('div', {}, (texts['field.area'] || 'Area') + ': ' + areaText(p.area_m2)),
      p.people == null ? null : h('div', { 'data-testid': 'popup-people' }, (texts['basic.households'] || 'Households') + ' ' + p.households + ' · ' + (texts['basic.people'] || 'People') + ' ' + p.people),
      h('a', { href: '/grids/' + encodeURIComponent(p.code), 'class': 'popup-link' }, texts['map.open_grid'] || 'Open'));
  }

  // A grid's name is shown on it once it is drawn large enough on screen to hold the name.
  var LABEL_MIN_PX = 70;

  function updateLabels(map, byCode) {
    var view = map.getBounds();
    var shown = 0;
    Object.keys(byCode).forEach(function (code) {
      var l = byCode[code];
      var b = l.getBounds();
      var big = false;
      if (view.intersects(b)) {
        var sw = map.latLngToContainerPoint(b.getSouthWest());
        var ne = map.latLngToContainerPoint(b.getNorthEast());
        big = Math.abs(ne.x - sw.x) >= LABEL_MIN_PX && Math.abs(sw.y - ne.y) >= 24;
      }
      if (big) { l.openTooltip(); shown++; } else l.closeTooltip();
    });
    map.getContainer().setAttribute('data-labels', String(shown));
  }

  // Finds grids by code (exact or leading digits) or by a part of the name.
  function findGrids(byCode, text) {
    var q = text.trim().toLowerCase();
    if (!q) return [];
    if (byCode[q]) return [byCode[q]];
    return Object.keys(byCode).filter(function (c) {
      var name = (byCode[c].feature.properties.name || '').toLowerCase();
      return c.indexOf(q) === 0 || name.indexOf(q) >= 0;
    }).map(function (c) { return byCode[c]; });
  }

  function flyTo(map, l) {
    var opened = false;
    var open = function () { if (!opened) { opened = true; l.openPopup(); } };
    map.once('moveend', open);
    // A grid already in view may not move the map at all.
    setTimeout(open, 1200);
    map.flyToBounds(l.getBounds(), { maxZoom: 17, padding: [24, 24], duration: 0.6 });
  }

  function initMapSearch(map, byCode, texts) {
    var form = $('#map-search');
    if (!form) return;
    var input = $('input', form), msg = $('.map-search-msg', form), list = $('#map-search-hits');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var hits = findGrids(byCode, input.value);
      list.textContent = '';
      msg.textContent = '';
      if (!hits.length) { msg.textContent = texts['map.search_none'] || 'Not found'; return; }
      flyTo(map, hits[0]);
      if (hits.length > 1) {
        hits.slice(0, 8).forEach(function (l) {
          var p = l.feature.properties;
          var b = h('button', { type: 'button', 'class': 'link', 'data-code': p.code }, p.name + ' ', h('code', {}, p.code));
          b.addEventListener('click', function () { flyTo(map, l); });
          list.appendChild(h('li', {}, b));
        });
      }
    });
  }

  function initGridMap(el) {
    var colors = readJson(el, 'colors'), kinds = readJson(el, 'kinds'), texts = readJson(el, 'texts');
    var map = baseMap(el);
    var byCode = {};
    fetchJson(el.getAttribute('data-geojson'))
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          filter: function (f) { return !!f.geometry; },
          style: function (f) {
            var k = f.properties.kind || 'basic';
            var c = colors[k] || '#64748b';
            return { className: 'grid grid-' + f.properties.code + ' kind-' + k, color: c, weight: 1.5, fillColor: c, fillOpacity: 0.25 };
          },
          onEachFeature: function (f, l) {
            byCode[f.properties.code] = l;
            l.bindPopup(function () { return popupCard(f.properties, texts, kinds); });
            l.bindTooltip(asText(f.properties.name || f.properties.code), { permanent: true, direction: 'center', className: 'grid-label', opacity: 0.9 });
            l.on('mouseover', function () { l.setStyle({ weight: 3, fillOpacity: 0.4 }); });
            l.on('mouseout', function () { l.setStyle({ weight: 1.5, fillOpacity: 0.25 }); });
          }
        }).addTo(map);
        tagPaths(layer);
        var b = layer.getBounds();
        map.invalidateSize();
        if (b.isValid()) map.fitBounds(b, { padding: [12, 12], animate: false });
        map.on('zoomend moveend', function () { updateLabels(map, byCode); });
        updateLabels(map, byCode);
        el.setAttribute('data-count', String(Object.keys(byCode).length));
        el.setAttribute('data-ready', 'true');
      })
      .catch(function (e) {
        el.setAttribute('data-ready', 'error');
        var note = h('p', { 'class': 'error map-error' }, (texts['map.load_failed'] || 'Load failed') + ' (' + e.message + ')');
        el.parentNode.insertBefore(note, el);
      });
    initMapSearch(map, byCode, texts);
    $$('.js-focus').forEach(function (btn) {
      btn.addEventListener('click', function () {
        var l = byCode[btn.getAttribute('data-code')];
        if (!l) return;
        el.scrollIntoView({ behavior: 'smooth', block: 'center' });
        flyTo(map, l);
      });
    });
  }

  function initMiniMap(el) {
    var text = el.getAttribute('data-boundary');
    if (!text) { el.hidden = true; return; }
    var geom;
    try { geom = JSON.parse(text); } catch (e) { el.hidden = true; return; }
    var map = baseMap(el, { scrollWheelZoom: false });
    var color = el.getAttribute('data-color') || '#2563eb';
    var layer = L.geoJSON(geom, { style: { className: 'grid grid-' + el.getAttribute('data-code'), color: color, weight: 2, fillColor: color, fillOpacity: 0.25 } }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [16, 16], animate: false });
    el.setAttribute('data-ready', 'true');
  }

  // ---- the check's result ----

  function checkReport(check, texts) {
    if (!check || typeof check !== 'object') return null;
    var coverage = check.coverage || [];
    var box = h('div', { 'class': 'check-report', 'data-testid': 'check-report', 'data-clean': coverage.length === 0 ? 'true' : 'false' },
      h('h3', {}, texts['edit.check_title'] || 'Check'),
      h('p', { 'class': 'muted' }, (texts['edit.check_parents'] || 'Parents') + ': ' + (check.parents_checked || 0) + ' · ' +
        (texts['edit.check_grids'] || 'Grids') + ': ' + (check.grids_checked || 0)));
    if (coverage.length === 0) {
      box.appendChild(h('p', { 'class': 'ok', 'data-testid': 'check-clean' }, '✓ ' + (texts['edit.check_clean'] || 'clean')));
    } else {
      var rows = [];
      coverage.forEach(function (p) {
        (p.findings || []).forEach(function (f) {
          rows.push(h('tr', { 'class': 'finding finding-' + f.kind, 'data-kind': f.kind, 'data-area': String(Math.round(f.area_m2)) },
            h('td', {}, p.name + ' ', h('code', {}, p.code)),
            h('td', {}, h('span', { 'class': 'tag tag-' + f.kind }, texts['check.' + f.kind] || f.kind)),
            h('td', { 'class': 'num' }, Math.round(f.area_m2).toLocaleString('en-US') + ' m²'),
            h('td', {}, (f.codes || []).join(', '))));
        });
      });
      box.appendChild(h('div', { 'class': 'table-wrap' }, h('table', {}, h('tbody', {}, rows))));
    }
    if ((check.sizes || []).length) {
      box.appendChild(h('h4', {}, texts['edit.sizes'] || 'Sizes'));
      box.appendChild(h('ul', { 'class': 'rows' }, check.sizes.map(function (z) {
        return h('li', { 'data-code': z.code }, (z.name || '') + ' ', h('code', {}, z.code), ': ' + (z.problems || []).join('; '));
      })));
    }
    return box;
  }

  // Shows a message, the check, and (when given) a button that carries on.
  function showIn(box, ok, text, check, texts, action) {
    box.textContent = '';
    box.className = 'result ' + (ok === null ? 'warn' : ok ? 'ok' : 'error');
    box.setAttribute('data-ok', ok === null ? 'warn' : ok ? 'true' : 'false');
    (Array.isArray(text) ? text : [text]).forEach(function (t) { box.appendChild(h('p', { 'class': 'result-msg' }, t)); });
    var rep = checkReport(check, texts);
    if (rep) box.appendChild(rep);
    if (action) box.appendChild(h('p', { 'class': 'actions' }, action));
    if (box.scrollIntoView) box.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  // What a preview answer means for the editor: the message and whether a confirm is offered.
  function previewText(p, texts) {
    var area = (texts['edit.area_after'] || 'Area') + ': ' + areaText(p.area_m2);
    if (p.blocked) return { ok: false, text: [texts['edit.overlap_blocked'] || 'Overlaps a neighbour', area] };
    if (p.clean) return { ok: true, text: [texts['edit.preview_clean'] || 'Clean', area] };
    return { ok: null, text: [texts['edit.preview_not_clean'] || 'Not clean', area], confirm: true };
  }

  // ---- the boundary editor ----

  function initEditor(el) {
    var code = el.getAttribute('data-code');
    var texts = readJson(el, 'texts');
    var map = baseMap(el);
    var result = $('#edit-result');
    var boundaryBox = $('#boundary-json'), noteBox = $('#boundary-note');
    var lineBox = $('#split-line'), nameBox = $('#split-name'), otherSel = $('#merge-other');
    var siblings = null, target = null, poly = null, line = null;
    var findings = L.layerGroup().addTo(map);
    if (map.pm) map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });

    // Each gap, overlap or piece outside is also marked where it lies on the map.
    function show(ok, text, check, action) {
      showIn(result, ok, text, check, texts, action);
      findings.clearLayers();
      ((check && check.coverage) || []).forEach(function (p) {
        (p.findings || []).forEach(function (f) {
          L.circleMarker([f.lat, f.lon], { radius: 9, color: '#b45309', weight: 3, fillColor: '#fbbf24', fillOpacity: 0.8, className: 'finding-marker', pmIgnore: true, snapIgnore: true })
            .bindTooltip(asText((texts['check.' + f.kind] || f.kind) + ' ' + Math.round(f.area_m2).toLocaleString('en-US') + ' m²'))
            .addTo(findings);
        });
      });
    }

    function syncBoundary() {
      if (poly) boundaryBox.value = JSON.stringify(poly.toGeoJSON(false).geometry);
    }

    function load(fit) {
      return fetchJson(el.getAttribute('data-geojson'))
        .then(function (fc) {
          if (siblings) map.removeLayer(siblings);
          if (target) map.removeLayer(target);
          var feats = (fc.features || []).filter(function (f) { return !!f.geometry; });
          var others = feats.filter(function (f) { return f.properties.code !== code; });
          var mine = feats.filter(function (f) { return f.properties.code === code; })[0];
          siblings = L.geoJSON({ type: 'FeatureCollection', features: others }, {
            style: function (f) { return { className: 'grid sibling grid-' + f.properties.code, color: '#64748b', weight: 1, fillColor: '#94a3b8', fillOpacity: 0.15 }; },
            onEachFeature: function (f, l) { l.bindTooltip(asText(f.properties.name + ' ' + f.properties.code)); }
          }).addTo(map);
          tagPaths(siblings);
          // Keep the merge choices in step with what exists now.
          if (otherSel) {
            var chosen = otherSel.value;
            while (otherSel.options.length > 1) otherSel.remove(1);
            others.forEach(function (f) {
              var o = h('option', { value: f.properties.code }, f.properties.name + ' (' + f.properties.code + ')');
              if (f.properties.code === chosen) o.selected = true;
              otherSel.appendChild(o);
            });
          }
          poly = null;
          if (mine) {
            target = L.geoJSON(mine, { style: { className: 'grid target grid-' + code, color: '#dc2626', weight: 3, fillColor: '#dc2626', fillOpacity: 0.2 } }).addTo(map);
            tagPaths(target);
            poly = target.getLayers()[0];
            boundaryBox.value = JSON.stringify(mine.geometry);
            poly.on('pm:edit pm:markerdragend pm:vertexadded pm:vertexremoved', syncBoundary);
            if (fit) { map.invalidateSize(); map.fitBounds(target.getBounds().pad(0.4)); }
          } else if (fit && siblings.getBounds().isValid()) {
            map.fitBounds(siblings.getBounds());
          }
          el.setAttribute('data-ready', 'true');
        })
        .catch(function (e) { show(false, (texts['map.load_failed'] || 'Load failed') + ' (' + e.message + ')'); });
    }

    $('#btn-edit-vertices').addEventListener('click', function () {
      if (!poly || !poly.pm) return;
      if (poly.pm.enabled()) { poly.pm.disable(); syncBoundary(); }
      else poly.pm.enable({ allowSelfIntersection: false, snappable: true });
    });

    function currentGeometry() {
      if (poly && poly.pm && poly.pm.enabled()) syncBoundary();
      try { return JSON.parse(boundaryBox.value); } catch (e) { show(false, 'GeoJSON: ' + e.message); return null; }
    }

    function save(geom, confirmed) {
      var url = '/api/v1/grids/' + encodeURIComponent(code) + '/boundary' + (confirmed ? '?confirm=1' : '');
      return api('PUT', url, { geometry: geom, note: noteBox ? noteBox.value : '' }).then(function (r) {
        if (!r.ok) {
          var d = r.data && r.data.details;
          show(false, errorText(r.data, r.status), d && d.check);
          return;
        }
        if (poly && poly.pm) poly.pm.disable();
        show(true, (texts['edit.saved'] || 'Saved') + ' · ' + areaText(r.data.node && r.data.node.area_m2), r.data.check);
        load(false);
      });
    }

    // The check of the edited boundary comes first; a clean one is saved at once, one with gaps
    // waits for the editor's second, explicit click, one that overlaps is not offered.
    function checkThenSave(saveIfClean) {
      var geom = currentGeometry();
      if (!geom) return;
      api('POST', '/api/v1/grids/preview', { code: code, geometry: geom }).then(function (r) {
        if (!r.ok) { show(false, errorText(r.data, r.status), null); return; }
        var p = previewText(r.data, texts);
        if (p.ok === true && saveIfClean) { save(geom, false); return; }
        var action = null;
        if (p.confirm) {
          action = h('button', { type: 'button', 'class': 'danger', 'data-testid': 'btn-confirm-save' }, texts['edit.save_anyway'] || 'Save anyway');
          action.addEventListener('click', function () { action.disabled = true; save(geom, true); });
        }
        show(p.ok, p.text, r.data.check, action);
      });
    }

    $('#btn-check-boundary').addEventListener('click', function () { checkThenSave(false); });
    $('#btn-save-boundary').addEventListener('click', function () { checkThenSave(true); });

    map.on('pm:create', function (e) {
      if (e.shape !== 'Line') return;
      if (line) map.removeLayer(line);
      line = e.layer;
      line.setStyle({ color: '#111827', weight: 3, dashArray: '6 4' });
      lineBox.value = JSON.stringify(line.toGeoJSON(false).geometry);
    });

    $('#btn-draw-line').addEventListener('click', function () {
      if (!map.pm) return;
      if (poly && poly.pm && poly.pm.enabled()) { poly.pm.disable(); syncBoundary(); }
      map.pm.enableDraw('Line', { snappable: true });
    });

    $('#btn-finish-line').addEventListener('click', function () {
      var d = map.pm && map.pm.Draw && map.pm.Draw.Line;
      if (d && d.enabled && d.enabled() && typeof d._finishShape === 'function') d._finishShape();
    });

    $('#btn-save-split').addEventListener('click', function () {
      if (!lineBox.value.trim()) { show(false, texts['edit.no_line'] || 'Draw a line'); return; }
      if (!nameBox.value.trim()) { show(false, texts['edit.no_name'] || 'Name?'); nameBox.focus(); return; }
      var geom;
      try { geom = JSON.parse(lineBox.value); } catch (e) { show(false, 'GeoJSON: ' + e.message); return; }
      api('POST', '/api/v1/grids/' + encodeURIComponent(code) + '/split', { line: geom, name: nameBox.value.trim() })
        .then(function (r) {
          if (!r.ok) { show(false, errorText(r.data, r.status), null); return; }
          var c = r.data.created || {};
          var link = h('a', { href: '/grids/' + encodeURIComponent(c.code || ''), 'data-testid': 'split-created' }, c.code || '');
          show(true, (texts['edit.split_done'] || 'Split') + ' ' + (c.name || ''), r.data.check, link);
          if (line) { map.removeLayer(line); line = null; }
          lineBox.value = '';
          nameBox.value = '';
          load(false);
        });
    });

    $('#btn-save-merge').addEventListener('click', function () {
      var other = otherSel.value;
      if (!other) { show(false, texts['edit.no_other'] || 'Choose'); return; }
      api('POST', '/api/v1/grids/' + encodeURIComponent(code) + '/merge', { other_code: other })
        .then(function (r) {
          if (!r.ok) { show(false, errorText(r.data, r.status), null); return; }
          show(true, (texts['edit.merge_done'] || 'Merged') + ' · ' + other + ' → ' + code + ' · ' + areaText(r.data.node && r.data.node.area_m2), r.data.check);
          otherSel.value = '';
          load(false);
        });
    });

    load(true);
  }

  // ---- drawing a new grid (the tree page's add form) ----

  function initDrawNew(el) {
    var texts = readJson(el, 'texts');
    var form = el.closest('form');
    var box = $('textarea[name=boundary]', form);
    var codeBox = $('input[name=code]', form);
    var result = $('#draw-result');
    var parentCode = el.getAttribute('data-parent');
    var map = baseMap(el);
    var drawn = null, fitted = false, bounds = null;
    if (map.pm) map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });
    var parentText = el.getAttribute('data-parent-boundary');
    if (parentText) {
      try {
        var pl = L.geoJSON(JSON.parse(parentText), { style: { className: 'parent-outline', color: '#1d4ed8', weight: 2, dashArray: '6 4', fill: false }, interactive: false }).addTo(map);
        bounds = pl.getBounds();
      } catch (e) { /* no outline */ }
    }
    fetchJson(el.getAttribute('data-geojson')).then(function (fc) {
      var sib = L.geoJSON(fc, {
        filter: function (f) { return !!f.geometry; },
        style: function (f) { return { className: 'grid sibling grid-' + f.properties.code, color: '#64748b', weight: 1, fillColor: '#94a3b8', fillOpacity: 0.2 }; },
        onEachFeature: function (f, l) { l.bindTooltip(asText(f.properties.name + ' ' + f.properties.code)); }
      }).addTo(map);
      if (!bounds || !bounds.isValid()) bounds = sib.getBounds();
      fit();
      el.setAttribute('data-ready', 'true');
    }).catch(function () { el.setAttribute('data-ready', 'true'); fit(); });

    // The map may first be laid out while hidden (the grid fields show only for a grid).
    function fit() {
      if (el.offsetWidth === 0) return;
      map.invalidateSize();
      if (!fitted && bounds && bounds.isValid()) { map.fitBounds(bounds.pad(0.05), { animate: false }); fitted = true; }
    }
    var kindSel = $('select[name=kind]', form);
    if (kindSel) kindSel.addEventListener('change', function () { setTimeout(fit, 0); });

    function preview(geom) {
      api('POST', '/api/v1/grids/preview', { code: codeBox ? codeBox.value.trim() : '', parent_code: parentCode, geometry: geom }).then(function (r) {
        if (!r.ok) { showIn(result, false, errorText(r.data, r.status), null, texts); return; }
        var p = previewText(r.data, texts);
        showIn(result, p.ok, p.text, r.data.check, texts);
      });
    }

    map.on('pm:create', function (e) {
      if (drawn) map.removeLayer(drawn);
      drawn = e.layer;
      drawn.setStyle({ color: '#dc2626', weight: 3, fillColor: '#dc2626', fillOpacity: 0.2 });
      var geom = drawn.toGeoJSON(false).geometry;
      box.value = JSON.stringify(geom);
      el.setAttribute('data-drawn', 'true');
      drawn.on('pm:edit pm:markerdragend', function () {
        var g = drawn.toGeoJSON(false).geometry;
        box.value = JSON.stringify(g);
        preview(g);
      });
      preview(geom);
    });

    $('#btn-draw-grid').addEventListener('click', function () {
      fit();
      if (map.pm) map.pm.enableDraw('Polygon', { snappable: true, allowSelfIntersection: false, finishOn: null });
    });
    $('#btn-clear-grid').addEventListener('click', function () {
      if (map.pm) map.pm.disableDraw();
      if (drawn) { map.removeLayer(drawn); drawn = null; }
      box.value = '';
      result.textContent = '';
      result.className = 'result';
      el.removeAttribute('data-drawn');
    });
    setTimeout(fit, 0);
  }

  // ---- restoring a version (the grid page) ----

  function initRestore(section) {
    var code = section.getAttribute('data-code');
    var texts = readJson(section, 'texts');
    var result = $('#restore-result');
    function restore(version, confirmed) {
      var url = '/api/v1/grids/' + encodeURIComponent(code) + '/versions/' + encodeURIComponent(version) + '/restore' + (confirmed ? '?confirm=1' : '');
      api('POST', url).then(function (r) {
        if (r.ok) {
          showIn(result, true, (texts['grid.restored'] || 'Restored') + ' · ' + areaText(r.data.node && r.data.node.area_m2), null, texts);
          setTimeout(function () { location.reload(); }, 800);
          return;
        }
        var d = r.data && r.data.details;
        var action = null;
        if (r.data && r.data.code === 'grid.check_not_clean') {
          action = h('button', { type: 'button', 'class': 'danger', 'data-testid': 'btn-confirm-restore' }, texts['grid.restore_anyway'] || 'Restore anyway');
          action.addEventListener('click', function () { action.disabled = true; restore(version, true); });
        }
        showIn(result, action ? null : false, errorText(r.data, r.status), d && d.check, texts, action);
      });
    }
    $$('.js-restore', section).forEach(function (b) {
      b.addEventListener('click', function () {
        var v = b.getAttribute('data-version');
        var go = h('button', { type: 'button', 'class': 'primary', 'data-testid': 'btn-restore-go' }, texts['grid.restore'] || 'Restore');
        go.addEventListener('click', function () { go.disabled = true; restore(v, false); });
        showIn(result, null, (texts['grid.restore_confirm'] || 'Restore version') + ' #' + v, null, texts, go);
      });
    });
  }

  function init() {
    W = window.wangge || {};
    h = W.h; api = W.api; errorText = W.errorText; readJson = W.readJson; areaText = W.areaText;
    if (!h) return;
    var v = document.getElementById('grid-versions');
    if (v) initRestore(v);
    if (typeof L === 'undefined') return;
    var m = document.getElementById('map');
    if (m && m.hasAttribute('data-geojson')) initGridMap(m);
    var g = document.getElementById('grid-map');
    if (g) initMiniMap(g);
    var e = document.getElementById('edit-map');
    if (e) initEditor(e);
    var d = document.getElementById('draw-map');
    if (d) initDrawNew(d);
  }

  document.addEventListener('DOMContentLoaded', init);
})();
