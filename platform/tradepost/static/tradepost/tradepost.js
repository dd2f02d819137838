// Behaviour every page shares, kept out of the markup: the Content-Security-Policy
// allows no inline script and no on*= handler attributes.
//
// <select data-autosubmit> sends its form as soon as another option is chosen (the
// language switch, a member's role); the form's <noscript> button does it without
// JavaScript.
//
// <select data-follows="customer"> offers only the options whose data-follows-value
// is the value chosen in the form's field "customer" (a quote's opportunities follow
// its customer); an option without that attribute (the empty one) always shows. A
// choice that no longer fits is cleared. Without JavaScript every option shows and
// the server refuses a mismatch.
(function () {
  "use strict";

  function narrow(select) {
    var form = select.form;
    var leader = form && form.elements.namedItem(select.getAttribute("data-follows"));
    if (!leader) return;
    var wanted = leader.value;
    Array.prototype.forEach.call(select.options, function (option) {
      var owner = option.getAttribute("data-follows-value");
      if (owner === null) return;
      option.hidden = wanted !== "" && owner !== wanted;
      option.disabled = option.hidden;
      if (option.hidden && option.selected) select.value = "";
    });
  }

  function narrowAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-follows]"), narrow);
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof HTMLSelectElement || field instanceof HTMLInputElement)) return;
    if (field.form && field.name) {
      Array.prototype.forEach.call(
        field.form.querySelectorAll('select[data-follows="' + field.name + '"]'),
        narrow
      );
    }
    if (!(field instanceof HTMLSelectElement) || !field.hasAttribute("data-autosubmit")) return;
    if (!field.form) return;
    if (typeof field.form.requestSubmit === "function") field.form.requestSubmit();
    else field.form.submit();
  });

  // <details data-collapse-on-phone> (a list's filter panel) starts closed on a phone
  // unless it holds an active filter (data-filtered), so the rows come first.
  function collapseOnPhone(root) {
    if (!window.matchMedia("(max-width: 48rem)").matches) return;
    Array.prototype.forEach.call(
      root.querySelectorAll("details[data-collapse-on-phone]:not([data-filtered])"),
      function (panel) { panel.open = false; }
    );
  }

  // Ctrl-K (⌘-K on a Mac) puts the cursor in the header's search box
  // (<input data-global-search>) from anywhere on the page, even from another field;
  // Escape there leaves it. The box is a plain GET form to /search/: it works without
  // JavaScript, only the shortcut needs it.
  document.addEventListener("keydown", function (event) {
    var box = document.querySelector("input[data-global-search]");
    if (!box) return;
    var key = (event.key || "").toLowerCase();
    if (key === "k" && (event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (key === "escape" && document.activeElement === box) {
      box.blur();
    }
  });

  function ready() {
    narrowAll(document);
    collapseOnPhone(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
