// The year's grid: a day's button cycles normal -> holiday -> make-up working day -> normal in
// place (without this script each click posts and the page comes back), and the hidden lists
// carry the marks to the one save.
(function () {
  'use strict';
  var form = document.getElementById('cal-grid');
  if (!form) return;
  var order = ['', 'hol', 'work'];
  var letters = JSON.parse(form.getAttribute('data-marks') || '{}');

  function letter(mark) {
    return mark ? letters['calendar.mark_' + mark] || '' : '';
  }

  function sync() {
    var hol = [];
    var work = [];
    form.querySelectorAll('button.day').forEach(function (b) {
      if (b.dataset.mark === 'hol') hol.push(b.value);
      if (b.dataset.mark === 'work') work.push(b.value);
    });
    form.elements.holidays.value = hol.join(',');
    form.elements.workdays.value = work.join(',');
  }

  form.addEventListener('click', function (e) {
    var b = e.target.closest('button.day');
    if (!b) return;
    e.preventDefault();
    var next = order[(order.indexOf(b.dataset.mark || '') + 1) % order.length];
    b.dataset.mark = next;
    b.classList.remove('hol', 'work');
    if (next) b.classList.add(next);
    b.querySelector('small').textContent = letter(next);
    var base = (b.getAttribute('aria-label') || b.value).split(' ')[0];
    var label = next ? base + ' ' + letter(next) : base;
    b.setAttribute('aria-label', label);
    b.title = label;
    form.dataset.dirty = '1';
    sync();
  });

  // Leaving with unsaved marks asks first.
  window.addEventListener('beforeunload', function (e) {
    if (form.dataset.dirty === '1' && !form.dataset.saving) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  form.addEventListener('submit', function () {
    form.dataset.saving = '1';
  });
})();
