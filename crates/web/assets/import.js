// The import page: posts the file, polls the job, draws the progress bar and the bad rows.
// No inline scripts (CSP script-src 'self'): texts come in data-* attributes.
(function () {
  'use strict';

  var $ = function (sel, root) { return (root || document).querySelector(sel); };

  function readJson(el, name) {
    var v = el && el.getAttribute('data-' + name);
    if (!v) return {};
    try { return JSON.parse(v); } catch (e) { return {}; }
  }

  // h('p', {class: 'x'}, 'text', child…); text is never parsed as HTML.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) el.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  var holder = $('#import-texts');
  if (!holder) return;
  var T = readJson(holder, 'texts');
  var ERR = readJson(holder, 'errors');
  var english = holder.getAttribute('data-lang') === 'en';
  var t = function (k) { return T[k] || k; };

  // The zh text of an error, by app.js's table matcher (app.js runs after this file but before
  // any answer arrives).
  function localized(texts, code, message, headers) {
    var w = window.wangge;
    return w && w.localized ? w.localized(texts, code, message, headers) : null;
  }

  function errorText(data, status) {
    if (!data || typeof data !== 'object') return 'HTTP ' + status;
    var zh = english ? null : localized(ERR, data.code, data.message);
    return zh || data.message || ('HTTP ' + status);
  }

  var box = $('#import-job');
  var bar = $('[data-testid=import-progress]', box);
  var status = $('[data-testid=import-status]', box);
  var result = $('[data-testid=import-result]', box);
  var form = $('#import-form');
  var msg = form && $('[data-testid=import-msg]', form);
  var timer = null;

  function column(p) {
    if (!english && p.column_zh) return p.column_zh + ' (' + p.field + ')';
    return p.field;
  }

  // The problem in the page's language, from the error table (the message names the values).
  function reason(p) {
    var headers = {};
    if (p.column_zh) headers[p.field] = p.column_zh;
    return (!english && localized(ERR, p.code, p.message, headers)) || p.message;
  }

  function outcome(r) {
    if (r.stopped) return ['done_stopped', t('imports.done_stopped')];
    if (r.mode === 'dry_run') return ['done_dry_run', t('imports.done_dry_run')];
    if (r.committed) return ['done_committed', t('imports.done_committed')];
    return ['done_refused', t('imports.done_refused')];
  }

  function drawReport(r) {
    result.textContent = '';
    var o = outcome(r);
    result.appendChild(h('p', { class: o[0] === 'done_committed' ? 'ok' : (o[0] === 'done_dry_run' ? '' : 'error'), 'data-testid': 'import-outcome', 'data-outcome': o[0] }, o[1]));
    result.appendChild(h('ul', { class: 'imp-summary' },
      h('li', null, t('imports.rows_read') + ': ', h('b', { 'data-testid': 'import-rows' }, r.rows)),
      h('li', null, t('imports.inserted') + ': ', h('b', { 'data-testid': 'import-inserted' }, r.inserted)),
      r.updated ? h('li', null, t('imports.updated') + ': ', h('b', null, r.updated)) : null,
      h('li', null, t('imports.bad_rows') + ': ', h('b', { 'data-testid': 'import-bad-rows' }, r.bad_rows))
    ));
    if (r.example_row) {
      result.appendChild(h('p', { class: 'muted', 'data-testid': 'import-example-skipped' }, t('imports.example_skipped').replace('{row}', r.example_row)));
    }
    if (!r.problems.length) {
      result.appendChild(h('p', { class: 'muted', 'data-testid': 'import-no-problems' }, t('imports.no_problems')));
      return;
    }
    var body = h('tbody');
    r.problems.forEach(function (p) {
      body.appendChild(h('tr', { 'data-row': p.row === null ? '' : p.row, 'data-field': p.field, 'data-code': p.code },
        h('td', { class: 'row' }, p.row === null ? t('imports.whole_file') : p.row),
        h('td', null, column(p)),
        h('td', null, reason(p))));
    });
    result.appendChild(h('h3', null, t('imports.problems') + ' (' + r.problem_count + ')'));
    result.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'imp-problems', 'data-testid': 'import-problems' },
      h('thead', null, h('tr', null, h('th', null, t('imports.row')), h('th', null, t('imports.column')), h('th', null, t('imports.message')))),
      body)));
    var more = r.problem_count - r.problems.length;
    if (more > 0) result.appendChild(h('p', { class: 'muted' }, more + ' ' + t('imports.unreported')));
  }

  function draw(job) {
    var p = job.progress || {};
    if (job.state === 'running') {
      if (p.percent !== null && p.percent !== undefined) bar.value = p.percent; else bar.removeAttribute('value');
      status.textContent = t(p.phase === 'writing' ? 'imports.writing' : 'imports.reading') + ' · ' + t('imports.rows_read') + ' ' + (p.rows || 0) + (p.percent !== null && p.percent !== undefined ? ' · ' + p.percent + '%' : '');
      box.setAttribute('data-state', 'running');
      return;
    }
    bar.value = 100;
    box.setAttribute('data-state', job.state);
    if (job.state === 'failed') {
      status.textContent = t('imports.failed') + (job.error ? ':' + job.error : '');
      result.textContent = '';
      return;
    }
    status.textContent = job.file_name || '';
    drawReport(job.report);
  }

  function poll(id) {
    if (timer) clearTimeout(timer);
    fetch('/import/jobs/' + encodeURIComponent(id), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, status: r.status, data: d }; }); })
      .then(function (res) {
        if (!res.ok) { status.textContent = errorText(res.data, res.status); box.setAttribute('data-state', 'failed'); return; }
        draw(res.data);
        if (res.data.state === 'running') timer = setTimeout(function () { poll(id); }, 400);
      }, function () { timer = setTimeout(function () { poll(id); }, 1500); });
  }

  function start(id) {
    box.hidden = false;
    box.setAttribute('data-job', id);
    bar.value = 0;
    result.textContent = '';
    status.textContent = t('imports.running');
    box.setAttribute('data-state', 'running');
    poll(id);
  }

  if (form) {
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var file = $('input[type=file]', form);
      if (!file.files || !file.files.length) { msg.textContent = t('imports.choose_file'); return; }
      var data = new FormData(form);
      var submitter = ev.submitter;
      data.set('mode', submitter && submitter.value ? submitter.value : 'dry_run');
      msg.textContent = t('imports.running');
      var buttons = form.querySelectorAll('button');
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      fetch('/import', { method: 'POST', body: data, credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.text().then(function (txt) { var d = null; try { d = JSON.parse(txt); } catch (e) { d = { message: txt }; } return { ok: r.ok, status: r.status, data: d }; }); })
        .then(function (res) {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          if (!res.ok) { msg.textContent = errorText(res.data, res.status); return; }
          msg.textContent = '';
          if (window.history && history.replaceState) history.replaceState(null, '', '/import?job=' + encodeURIComponent(res.data.job));
          start(res.data.job);
        }, function (e) {
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          msg.textContent = String(e);
        });
    });
  }

  var initial = box.getAttribute('data-job');
  if (initial) start(initial);
})();
