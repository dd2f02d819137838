// Live prices of an order or a quote being entered (<form data-live-prices="URL">,
// sales/_line_rows.html). As lines are typed, the form as it stands is posted to URL
// (after a short pause), which prices it as saving would (sales.previews) and answers
// JSON: each complete line's price, its source, promotion, discount and tax go in the
// row's "Priced" cell, the totals under the lines. No price is worked out here. A row's
// bad input shows in its own cell, the rest above the totals. Without JavaScript the
// column and the totals stay hidden and the prices show once the document is saved.
(function () {
  "use strict";
  var DELAY = 350;

  function setup(form) {
    var url = form.getAttribute("data-live-prices");
    var box = form.querySelector("[data-live-totals]");
    if (!url || !box) return;
    var state = box.querySelector("[data-live-state]");
    var errorBox = box.querySelector("[data-live-errors]");
    var timer = null;
    var asked = 0;

    function cells() {
      return form.querySelectorAll("[data-live-line]");
    }

    function reveal() {
      Array.prototype.forEach.call(form.querySelectorAll("[data-live-column], [data-live-line]"),
        function (cell) { cell.hidden = false; });
      box.hidden = false;
    }

    function rowCell(row) {
      var field = form.querySelector('[name="lines-' + row + '-product"]');
      var tr = field && field.closest("tr");
      return tr && tr.querySelector("[data-live-line]");
    }

    function text(tag, content, className) {
      var element = document.createElement(tag);
      element.textContent = content;
      if (className) element.className = className;
      return element;
    }

    function clearAll() {
      Array.prototype.forEach.call(cells(), function (cell) { cell.textContent = ""; });
      errorBox.textContent = "";
      errorBox.hidden = true;
    }

    // The subtotal and the grand total carry the currency as the workspace prints
    // amounts (the answer's "money": "300,000.00 CNY" or "¥300,000.00").
    function setTotals(display, money) {
      Array.prototype.forEach.call(box.querySelectorAll("[data-total]"), function (dd) {
        var name = dd.getAttribute("data-total");
        var value = display ? display[name] : null;
        if (value && money && (name === "subtotal" || name === "gross_total")) value = money[name];
        var shown = value ? (dd.getAttribute("data-sign") || "") + value : "—";
        var strong = dd.querySelector("strong");
        (strong || dd).textContent = shown;
      });
    }

    function showLines(answer) {
      answer.lines.forEach(function (line) {
        var cell = rowCell(line.row);
        if (!cell) return;
        var d = line.display;
        cell.appendChild(text("strong", d.net));
        [d.price + " · " + d.source, d.promotion, d.discount, d.tax].forEach(function (part) {
          if (part) cell.appendChild(text("small", part, "muted"));
        });
      });
    }

    function showErrors(errors) {
      var general = [];
      Object.keys(errors).forEach(function (key) {
        var match = /^lines-(\d+)-/.exec(key);
        var cell = match && rowCell(match[1]);
        errors[key].forEach(function (message) {
          if (cell) cell.appendChild(text("span", message, "error"));
          else general.push(message);
        });
      });
      general.forEach(function (message) { errorBox.appendChild(text("p", message)); });
      errorBox.hidden = !general.length;
    }

    function refresh() {
      reveal();
      var customer = form.elements.namedItem("customer");
      if (customer && !customer.value) {
        asked += 1;
        clearAll();
        setTotals(null, null);
        state.textContent = box.getAttribute("data-waiting") || "";
        return;
      }
      asked += 1;
      var mine = asked;
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok && response.status !== 400) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (answer) {
          if (mine !== asked) return;
          clearAll();
          state.textContent = "";
          if (answer.errors) {
            setTotals(null, null);
            showErrors(answer.errors);
            return;
          }
          showLines(answer);
          setTotals(answer.lines.length ? answer.display : null, answer.money);
        })
        .catch(function () {
          if (mine !== asked) return;
          state.textContent = box.getAttribute("data-failed") || "";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY);
    }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    var add = form.querySelector("[data-add-line]");
    if (add) add.addEventListener("click", function () { setTimeout(reveal, 0); });
    refresh();
  }

  document.querySelectorAll("form[data-live-prices]").forEach(setup);
})();
