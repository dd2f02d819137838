// Document lines: "Add a line" appends a copy of the empty row and bumps the
// formset's TOTAL_FORMS (its product picker becomes a type-ahead, typeahead.js).
// Without JavaScript the page keeps its empty rows.
(function () {
  function setup(fieldset) {
    var button = fieldset.querySelector("[data-add-line]");
    var template = fieldset.querySelector("[data-line-template]");
    var rows = fieldset.querySelector("[data-line-rows]");
    var total = fieldset.querySelector('input[name$="-TOTAL_FORMS"]');
    if (!button || !template || !rows || !total) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      var row = rows.lastElementChild;
      if (!row) return;
      if (window.tradepostTypeahead) window.tradepostTypeahead.enhance(row);
      var first = row.querySelector("[role=combobox], select");
      if (first) first.focus();
    });
  }
  document.querySelectorAll("[data-doc-lines]").forEach(setup);
})();
