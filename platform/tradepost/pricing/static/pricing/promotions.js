// Promotion form: show only the fields of the chosen type, and add tier rows on click.
// Without JavaScript every field shows, each saying which type it is for, and the
// server ignores the fields of the other types.
(function () {
  function setup(form) {
    var kind = form.querySelector('select[name="kind"]');
    var parts = form.querySelectorAll("[data-kinds]");
    function show() {
      parts.forEach(function (part) {
        var kinds = part.getAttribute("data-kinds").split(" ");
        part.hidden = kinds.indexOf(kind.value) === -1;
      });
    }
    if (kind) {
      kind.addEventListener("change", show);
      show();
    }

    var tiers = form.querySelector("[data-tiers]");
    if (!tiers) return;
    var button = tiers.querySelector("[data-add-tier]");
    var template = tiers.querySelector("[data-tier-template]");
    var rows = tiers.querySelector("[data-tier-rows]");
    var total = tiers.querySelector('input[name$="-TOTAL_FORMS"]');
    var max = tiers.querySelector('input[name$="-MAX_NUM_FORMS"]');
    if (!button || !template || !rows || !total) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) return;
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var input = rows.lastElementChild && rows.lastElementChild.querySelector("input");
      if (input) input.focus();
    });
  }
  document.querySelectorAll("[data-promotion-form]").forEach(setup);
})();
