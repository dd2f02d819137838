// Behaviour every page shares, kept out of the markup: the Content-Security-Policy
// allows no inline script and no on*= handler attributes.
//
// <select data-autosubmit> sends its form as soon as another option is chosen (the
// language switch, a member's role); the form's <noscript> button does it without
// JavaScript.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLSelectElement) || !field.hasAttribute("data-autosubmit")) return;
    if (!field.form) return;
    if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
    else field.form.submit();
  });
})();
