// A list's bulk change: <input type="checkbox" data-check-all="ids"> ticks or unticks
// every check box named "ids" of the same form (their form="…" attribute), and the
// bulk bar's salesperson and tag fields show only for the action that uses them.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.hasAttribute("data-check-all")) return;
    var name = box.getAttribute("data-check-all");
    var form = box.getAttribute("form");
    var selector = 'input[type=checkbox][name="' + name + '"]' + (form ? '[form="' + form + '"]' : "");
    Array.prototype.forEach.call(document.querySelectorAll(selector), function (other) {
      other.checked = box.checked;
    });
  });

  function showFields(bar) {
    var action = bar.elements.namedItem("action");
    if (!action) return;
    var owner = bar.elements.namedItem("owner");
    var tag = bar.elements.namedItem("tag");
    if (owner) owner.hidden = action.value !== "reassign";
    if (tag) tag.hidden = action.value !== "tag";
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "action" && event.target.form && event.target.form.id === "bulk") {
      showFields(event.target.form);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var bar = document.getElementById("bulk");
    if (bar) showFields(bar);
  });
})();
