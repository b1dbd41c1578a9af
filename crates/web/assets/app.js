// wangge scripts: JSON forms, the grid map, the grid's small map and the boundary editor.
// No inline scripts (CSP script-src 'self'): pages pass their data in data-* attributes.
(function () {
  'use strict';

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  function readJson(el, name) {
    var v = el && el.getAttribute('data-' + name);
    if (!v) return {};
    try { return JSON.parse(v); } catch (e) { return {}; }
  }

  // Builds an element: h('p', {class: 'x'}, 'text', child…). Text is never parsed as HTML.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) el.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      if (Array.isArray(c)) { c.forEach(function (x) { if (x) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); }); continue; }
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  function isEnglish() { return document.documentElement.lang === 'en'; }

  // The zh text of an error: the page gives {code: [zh, en]}; the parameters are read back out
  // of the English message by matching it against the en template.
  // `headers` turns a column key given as {field} into its Chinese header.
  function localized(texts, code, message, headers) {
    var e = code && texts[code];
    if (!e || typeof message !== 'string') return null;
    var parts = e[1].split(/\{(\w+)\}/);
    var names = [];
    var pattern = '^';
    for (var i = 0; i < parts.length; i++) {
      if (i % 2) { names.push(parts[i]); pattern += '([\\s\\S]*?)'; }
      else pattern += parts[i].replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&');
    }
    var m = new RegExp(pattern + '$').exec(message);
    if (!m) return null;
    var vals = {};
    names.forEach(function (n, k) {
      var v = m[k + 1];
      vals[n] = headers && (n === 'field' || n === 'other') && headers[v] ? headers[v] : v;
    });
    return e[0].replace(/\{(\w+)\}/g, function (all, n) { return n in vals ? vals[n] : all; });
  }

  // Shared with the import page's script.
  window.wangge = window.wangge || {};
  window.wangge.localized = localized;

  // The API's {code, message} in the page's language, as the server's Tr::error does it.
  function errorText(data, status) {
    var texts = readJson($('#err-texts'), 'errors');
    if (!data || typeof data !== 'object') return 'HTTP ' + status;
    var zh = isEnglish() ? null : localized(texts, data.code, data.message);
    return zh || data.message || ('HTTP ' + status);
  }

  // Calls the JSON API; resolves to {ok, status, data}.
  function api(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (t) {
        var data = null;
        try { data = t ? JSON.parse(t) : null; } catch (e) { data = { message: t }; }
        return { ok: r.ok, status: r.status, data: data };
      });
    }, function (e) {
      return { ok: false, status: 0, data: { message: String(e) } };
    });
  }

  function areaText(a) {
    if (a === null || a === undefined) return '—';
    if (a >= 1e6) return (a / 1e6).toFixed(2) + ' km²';
    return Math.round(a).toLocaleString('en-US') + ' m²';
  }

  // ---- JSON forms (class js-api) ----

  function formBody(form) {
    var body = {};
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el.closest('[hidden]')) continue;
      if (el.type === 'checkbox') { if (!el.disabled) body[el.name] = el.checked; continue; }
      if (el.disabled) continue;
      if (el.hasAttribute('data-bool')) { body[el.name] = el.value === 'true'; continue; }
      var v = el.value;
      if (v === '') continue;
      if (el.hasAttribute('data-json')) {
        try { v = JSON.parse(v); } catch (e) { throw new Error(el.name + ': JSON — ' + e.message); }
      }
      body[el.name] = v;
    }
    return body;
  }

  function setMsg(form, text, ok) {
    var msg = $('.form-msg', form);
    if (!msg) return;
    msg.textContent = text;
    msg.className = 'form-msg ' + (ok ? 'ok' : 'error');
  }

  function initApiForms() {
    $$('form.js-api').forEach(function (form) {
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var body;
        try { body = formBody(form); } catch (e) { setMsg(form, e.message, false); return; }
        var btn = $('button[type=submit]', form);
        if (btn) btn.disabled = true;
        api(form.getAttribute('data-method') || 'POST', form.getAttribute('data-action'), body).then(function (r) {
          if (btn) btn.disabled = false;
          if (!r.ok) { setMsg(form, errorText(r.data, r.status), false); return; }
          var okText = ($('#err-texts') && $('#err-texts').getAttribute('data-ok')) || 'OK';
          setMsg(form, okText, true);
          var next = form.getAttribute('data-next') || 'reload';
          if (next === 'reload') { window.location.reload(); return; }
          if (next === 'stay') { form.reset(); return; }
          var id = r.data && (r.data.id !== undefined ? r.data.id : (r.data.node && r.data.node.code));
          window.location.href = next.replace('{id}', encodeURIComponent(String(id)));
        });
      });
    });
    // The add-node form: suggest a code for the chosen kind; grid fields only for grids.
    $$('select.js-suggest-code').forEach(function (sel) {
      var form = sel.form;
      var sync = function (first) {
        var opt = sel.options[sel.selectedIndex];
        var code = form.elements.namedItem('code');
        if (!first && opt && code) code.value = opt.getAttribute('data-suggest') || '';
        $$('.grid-only', form).forEach(function (el) { el.hidden = sel.value !== 'grid'; });
      };
      sel.addEventListener('change', function () { sync(false); });
      sync(true);
    });
  }

  // ---- print ----

  function initPrint() {
    $$('[data-action=print]').forEach(function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
  }

  // ---- maps ----

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

  function popupCard(p, texts, kinds) {
    return h('div', { 'class': 'popup-card', 'data-code': p.code },
      h('b', {}, p.name || ''),
      h('div', {}, (texts['field.code'] || 'Code') + ': ', h('code', {}, p.code)),
      h('div', {}, (texts['field.kind'] || 'Kind') + ': ' + (kinds[p.kind] || p.kind || '')),
      h('div', {}, (texts['field.area'] || 'Area') + ': ' + areaText(p.area_m2)),
      p.people == null ? null : h('div', { 'data-testid': 'popup-people' }, (texts['basic.households'] || 'Households') + ' ' + p.households + ' · ' + (texts['basic.people'] || 'People') + ' ' + p.people),
      h('a', { href: '/grids/' + encodeURIComponent(p.code), 'class': 'popup-link' }, texts['map.open_grid'] || 'Open'));
  }

  function initGridMap(el) {
    var colors = readJson(el, 'colors'), kinds = readJson(el, 'kinds'), texts = readJson(el, 'texts');
    var map = baseMap(el);
    var byCode = {};
    fetch(el.getAttribute('data-geojson'), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
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
            l.on('mouseover', function () { l.setStyle({ weight: 3, fillOpacity: 0.4 }); });
            l.on('mouseout', function () { l.setStyle({ weight: 1.5, fillOpacity: 0.25 }); });
          }
        }).addTo(map);
        tagPaths(layer);
        var b = layer.getBounds();
        map.invalidateSize();
        if (b.isValid()) map.fitBounds(b, { padding: [12, 12], animate: false });
        el.setAttribute('data-count', String(Object.keys(byCode).length));
        el.setAttribute('data-ready', 'true');
      })
      .catch(function (e) {
        el.setAttribute('data-ready', 'error');
        var note = h('p', { 'class': 'error map-error' }, (texts['map.load_failed'] || 'Load failed') + ' (' + e.message + ')');
        el.parentNode.insertBefore(note, el);
      });
    $$('.js-focus').forEach(function (btn) {
      btn.addEventListener('click', function () {
        var l = byCode[btn.getAttribute('data-code')];
        if (!l) return;
        el.scrollIntoView({ behavior: 'smooth', block: 'center' });
        map.fitBounds(l.getBounds(), { maxZoom: 17, padding: [20, 20] });
        l.openPopup();
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

  // ---- the boundary editor ----

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
          rows.push(h('tr', { 'class': 'finding finding-' + f.kind, 'data-kind': f.kind },
            h('td', {}, p.name + ' ', h('code', {}, p.code)),
            h('td', {}, texts['check.' + f.kind] || f.kind),
            h('td', { 'class': 'num' }, Math.round(f.area_m2).toLocaleString('en-US') + ' m²'),
            h('td', { 'class': 'nowrap' }, f.lat.toFixed(6) + ', ' + f.lon.toFixed(6)),
            h('td', {}, (f.codes || []).join(', '))));
        });
      });
      box.appendChild(h('div', { 'class': 'table-wrap' }, h('table', {}, h('tbody', {}, rows))));
    }
    if ((check.sizes || []).length) {
      box.appendChild(h('h4', {}, texts['edit.sizes'] || 'Sizes'));
      box.appendChild(h('ul', { 'class': 'rows' }, check.sizes.map(function (z) {
        return h('li', { 'data-code': z.code }, z.name + ' ', h('code', {}, z.code), ': ' + (z.problems || []).join('; '));
      })));
    }
    if ((check.missing_boundary || []).length) {
      box.appendChild(h('p', {}, (texts['edit.missing_boundary'] || 'Missing') + ': ' + check.missing_boundary.join(', ')));
    }
    return box;
  }

  function initEditor(el) {
    var code = el.getAttribute('data-code');
    var texts = readJson(el, 'texts');
    var map = baseMap(el);
    var result = $('#edit-result');
    var boundaryBox = $('#boundary-json'), noteBox = $('#boundary-note');
    var lineBox = $('#split-line'), nameBox = $('#split-name'), otherSel = $('#merge-other');
    var siblings = null, target = null, poly = null, line = null;
    if (map.pm) map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });

    function show(ok, text, check, link) {
      result.textContent = '';
      result.className = 'result ' + (ok ? 'ok' : 'error');
      result.setAttribute('data-ok', ok ? 'true' : 'false');
      result.appendChild(h('p', { 'class': 'result-msg' }, text, link || null));
      var rep = checkReport(check, texts);
      if (rep) result.appendChild(rep);
      if (result.scrollIntoView) result.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }

    function syncBoundary() {
      if (poly) boundaryBox.value = JSON.stringify(poly.toGeoJSON(false).geometry);
    }

    function load(fit) {
      return fetch(el.getAttribute('data-geojson'), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (fc) {
          if (siblings) map.removeLayer(siblings);
          if (target) map.removeLayer(target);
          var feats = (fc.features || []).filter(function (f) { return !!f.geometry; });
          var others = feats.filter(function (f) { return f.properties.code !== code; });
          var mine = feats.filter(function (f) { return f.properties.code === code; })[0];
          siblings = L.geoJSON({ type: 'FeatureCollection', features: others }, {
            style: function (f) { return { className: 'grid sibling grid-' + f.properties.code, color: '#64748b', weight: 1, fillColor: '#94a3b8', fillOpacity: 0.15 }; },
            onEachFeature: function (f, l) { l.bindTooltip(f.properties.name + ' ' + f.properties.code); }
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

    $('#btn-save-boundary').addEventListener('click', function () {
      if (poly && poly.pm && poly.pm.enabled()) syncBoundary();
      var geom;
      try { geom = JSON.parse(boundaryBox.value); } catch (e) { show(false, 'GeoJSON: ' + e.message); return; }
      api('PUT', '/api/v1/grids/' + encodeURIComponent(code) + '/boundary', { geometry: geom, note: noteBox ? noteBox.value : '' })
        .then(function (r) {
          if (!r.ok) { show(false, errorText(r.data, r.status), null); return; }
          if (poly && poly.pm) poly.pm.disable();
          show(true, (texts['edit.saved'] || 'Saved') + ' · ' + areaText(r.data.node && r.data.node.area_m2), r.data.check);
          load(false);
        });
    });

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
          show(true, (texts['edit.split_done'] || 'Split') + ' ' + (c.name || '') + ' ',
            r.data.check, h('a', { href: '/grids/' + encodeURIComponent(c.code || ''), 'data-testid': 'split-created' }, c.code || ''));
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

  // The language switch comes back to this page.
  function initLangLink() {
    $$('a.lang').forEach(function (a) {
      var href = a.getAttribute('href') || '';
      if (href.indexOf('back=') < 0) a.setAttribute('href', href + '&back=' + encodeURIComponent(location.pathname + location.search));
    });
  }

  // Marks the menu entry of this page: the longest link that starts the path ("/" only itself).
  function initNavCurrent() {
    var path = location.pathname;
    ['.topbar .nav', '.bottom-nav'].forEach(function (sel) {
      var best = null;
      $$(sel + ' a').forEach(function (a) {
        var href = a.getAttribute('href') || '';
        var hit = href === '/' ? path === '/' : (path === href || path.indexOf(href + '/') === 0);
        if (hit && (!best || href.length > best.getAttribute('href').length)) best = a;
      });
      if (best) best.setAttribute('aria-current', 'page');
    });
  }

  function init() {
    initLangLink();
    initNavCurrent();
    initApiForms();
    initPrint();
    if (typeof L === 'undefined') return;
    var m = document.getElementById('map');
    if (m && m.hasAttribute('data-geojson')) initGridMap(m);
    var g = document.getElementById('grid-map');
    if (g) initMiniMap(g);
    var e = document.getElementById('edit-map');
    if (e) initEditor(e);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
