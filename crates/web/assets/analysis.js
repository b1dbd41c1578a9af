// The month picker of the analysis page: choosing a month shows it at once.
(function () {
  "use strict";
  var form = document.querySelector('[data-testid="analysis-picker"]');
  if (!form) return;
  var input = form.querySelector('input[type="month"]');
  if (!input) return;
  input.addEventListener("change", function () {
    if (/^\d{4}-\d{2}$/.test(input.value)) form.submit();
  });
})();
