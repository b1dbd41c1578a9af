// The user form's node picker: the administrator's part of the tree, opened level by level or
// searched by name or code; choosing a node fills the form's node code field (which stays, so a
// code can still be typed). Nodes the chosen role may not sit at cannot be chosen.
(function () {
  'use strict';

  function init() {
    var W = window.wangge || {};
    var h = W.h, api = W.api, readJson = W.readJson;
    if (!h) return;
    Array.prototype.forEach.call(document.querySelectorAll('.node-picker'), function (el) { picker(el, h, api, readJson); });
  }

  function picker(el, h, api, readJson) {
    var form = el.closest('form');
    var codeBox = form.querySelector('input.np-code');
    var roleSel = form.querySelector('select[name=role]');
    var chosen = el.querySelector('.np-chosen'), chosenCode = el.querySelector('.np-chosen-code');
    var search = el.querySelector('.np-search'), list = el.querySelector('.np-list');
    var roleKinds = readJson(el, 'role-kinds'), kinds = readJson(el, 'kinds'), texts = readJson(el, 'texts');

    function allowed(kind) {
      var ks = roleSel && roleKinds[roleSel.value];
      return !ks || ks.indexOf(kind) >= 0;
    }

    function choose(n) {
      codeBox.value = n.code;
      chosen.textContent = n.name;
      chosenCode.textContent = n.code;
      Array.prototype.forEach.call(list.querySelectorAll('li.chosen'), function (li) { li.classList.remove('chosen'); });
      Array.prototype.forEach.call(list.querySelectorAll('li[data-code="' + n.code + '"]'), function (li) { li.classList.add('chosen'); });
    }

    // One node: open (its children load below it), its name, kind and code, and Choose.
    function item(n, openable) {
      var li = h('li', { 'data-code': n.code, 'data-kind': n.kind, 'class': n.code === codeBox.value ? 'chosen' : null });
      var sub = h('ul', { 'class': 'np-list' });
      var open = null;
      if (openable && n.kind !== 'department' && n.kind !== 'unit') {
        open = h('button', { type: 'button', 'class': 'link np-open', 'aria-expanded': 'false', title: texts['users.node_open'] || 'Open' }, '▸');
        open.addEventListener('click', function () {
          var expanded = open.getAttribute('aria-expanded') === 'true';
          if (expanded) { sub.textContent = ''; open.setAttribute('aria-expanded', 'false'); open.textContent = '▸'; return; }
          open.setAttribute('aria-expanded', 'true');
          open.textContent = '▾';
          api('GET', '/api/v1/nodes/' + encodeURIComponent(n.code) + '/children').then(function (r) {
            if (!r.ok || !Array.isArray(r.data)) return;
            sub.textContent = '';
            if (!r.data.length) { open.hidden = true; return; }
            r.data.forEach(function (c) { sub.appendChild(item(c, true)); });
          });
        });
      }
      var ok = allowed(n.kind);
      var pick = h('button', { type: 'button', 'class': 'small np-choose', disabled: ok ? null : 'disabled', title: ok ? null : (texts['users.node_not_for_role'] || '') }, texts['users.node_choose'] || 'Choose');
      pick.addEventListener('click', function () { choose(n); });
      li.appendChild(h('span', { 'class': 'np-row' }, open || h('span', { 'class': 'np-leaf' }), ' ', h('span', { 'class': 'np-name' }, n.name), ' ',
        h('span', { 'class': 'tag' }, kinds[n.kind] || n.kind), ' ', h('code', {}, n.code), ' ', pick));
      li.appendChild(sub);
      return li;
    }

    function showRoot() {
      list.textContent = '';
      api('GET', '/api/v1/nodes/' + encodeURIComponent(el.getAttribute('data-root'))).then(function (r) {
        if (!r.ok || !r.data || !r.data.node) return;
        var li = item(r.data.node, true);
        list.appendChild(li);
        var open = li.querySelector('.np-open');
        if (open) open.click();
      });
    }

    var timer = null;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        if (!q) { showRoot(); return; }
        api('GET', '/api/v1/nodes?q=' + encodeURIComponent(q)).then(function (r) {
          if (search.value.trim() !== q) return;
          list.textContent = '';
          if (!r.ok || !Array.isArray(r.data) || !r.data.length) {
            list.appendChild(h('li', { 'class': 'muted' }, texts['tree.no_results'] || '—'));
            return;
          }
          r.data.forEach(function (n) { list.appendChild(item(n, false)); });
        });
      }, 250);
    });
    // Enter in the search box must not send the user form.
    search.addEventListener('keydown', function (ev) { if (ev.key === 'Enter') ev.preventDefault(); });
    // Which nodes may be chosen depends on the role.
    if (roleSel) roleSel.addEventListener('change', function () {
      Array.prototype.forEach.call(list.querySelectorAll('li[data-kind]'), function (li) {
        var b = li.querySelector(':scope > .np-row .np-choose');
        if (b) b.disabled = !allowed(li.getAttribute('data-kind'));
      });
    });
    showRoot();
  }

  document.addEventListener('DOMContentLoaded', init);
})();
