// wangge scripts: JSON forms, print buttons, the language switch; helpers for grids.js.
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

  // The grid pages' scripts (grids.js) and the user form's node picker share these helpers.
  window.wangge.h = h;
  window.wangge.api = api;
  window.wangge.errorText = errorText;
  window.wangge.readJson = readJson;
  window.wangge.areaText = areaText;

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
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
