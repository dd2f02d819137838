// Scanning on the stock entry screens. A barcode scanner types the code and presses
// Enter: the scan box catches that Enter (the document's form is never submitted by
// it) and
//   * on a receipt, transfer or adjustment ([data-scan="lines"]) asks the server for
//     the product (GET data-lookup-url?code=…) and adds a line with quantity 1, or adds
//     1 to the line that already has the product (a lot-tracked product always gets
//     its own line, for its lot number);
//   * on a stocktake's count sheet ([data-scan="count"]) finds the sheet's row whose
//     data-codes hold the code, adds 1 to its count and shows it; a code the sheet
//     does not list is looked up and added to the "found" lines below it.
// "Add a line" ([data-add-line]) appends an empty line from the <template>.
(function () {
  function addLine(lines) {
    var template = lines.querySelector("[data-line-template]");
    var rows = lines.querySelector("[data-line-rows]");
    var total = lines.querySelector('input[name$="-TOTAL_FORMS"]');
    var index = parseInt(total.value, 10);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
    total.value = String(index + 1);
    return rows.lastElementChild;
  }

  function bump(input) {
    var current = parseFloat((input.value || "0").replace(/,/g, ""));
    input.value = String((isNaN(current) ? 0 : current) + 1);
  }

  function say(box, text, isError) {
    var status = box.querySelector("[data-scan-status]");
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function addProduct(lines, product) {
    var rows = lines.querySelectorAll("[data-line-rows] .stock-line");
    var empty = null;
    for (var i = 0; i < rows.length; i++) {
      var select = rows[i].querySelector('select[name$="-product"]');
      var quantity = rows[i].querySelector('input[name$="-quantity"]');
      if (!select || !quantity) continue;
      if (select.value === String(product.id) && !product.lot_tracked) {
        bump(quantity);
        return rows[i];
      }
      if (!select.value && !quantity.value && !empty) empty = rows[i];
    }
    var row = empty || addLine(lines);
    row.querySelector('select[name$="-product"]').value = String(product.id);
    row.querySelector('input[name$="-quantity"]').value = "1";
    return row;
  }

  // Asks the server for the product of `code`; `found(product)` gets the answer.
  function lookup(box, code, found) {
    fetch(box.getAttribute("data-lookup-url") + "?code=" + encodeURIComponent(code), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          say(box, answer.body.error || code, true);
          return;
        }
        found(answer.body);
      })
      .catch(function () {
        say(box, box.getAttribute("data-offline-message") || "", true);
      });
  }

  function addScanned(box, lines, product) {
    var input = box.querySelector("input");
    var row = addProduct(lines, product);
    var lot = product.lot_tracked && row.querySelector('input[name$="-lot_number"]');
    if (lot && !lot.value) lot.focus();
    else input.focus();
    return row;
  }

  function setupLines(box) {
    var lines = document.querySelector("[data-stock-lines]");
    var input = box.querySelector("input");
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var code = input.value.trim();
      if (!code) return;
      input.value = "";
      lookup(box, code, function (product) {
        addScanned(box, lines, product);
        say(box, product.sku + " — " + product.name, false);
      });
    });
  }

  // A code not on the count sheet: the product goes to the "found" lines under it
  // (one more of it when it is there already), to be saved with the counts.
  function setupCount(box) {
    var input = box.querySelector("input");
    var found = document.querySelector("[data-stock-lines]");
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") return;
      event.preventDefault();
      var typed = input.value.trim();
      var code = typed.toLowerCase();
      if (!code) return;
      input.value = "";
      var rows = document.querySelectorAll("[data-codes]");
      for (var i = 0; i < rows.length; i++) {
        var codes = rows[i].getAttribute("data-codes").toLowerCase().split(" ");
        if (codes.indexOf(code) !== -1) {
          var count = rows[i].querySelector("input");
          if (!count) break;
          bump(count);
          say(box, rows[i].getAttribute("data-label") + ": " + count.value, false);
          rows[i].scrollIntoView({ block: "center" });
          return;
        }
      }
      if (!found) {
        say(box, box.getAttribute("data-missing-message") || typed, true);
        return;
      }
      lookup(box, typed, function (product) {
        var row = addScanned(box, found, product);
        var quantity = row.querySelector('input[name$="-quantity"]');
        say(
          box,
          product.sku + " — " + product.name + ": " + quantity.value + " · " +
            (box.getAttribute("data-found-message") || ""),
          false
        );
        row.scrollIntoView({ block: "center" });
      });
    });
  }

  document.querySelectorAll("[data-scan]").forEach(function (box) {
    box.hidden = false;
    if (box.getAttribute("data-scan") === "count") setupCount(box);
    else setupLines(box);
  });
  document.querySelectorAll("[data-stock-lines]").forEach(function (lines) {
    var button = lines.querySelector("[data-add-line]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var row = addLine(lines);
      var select = row.querySelector("select");
      if (select) select.focus();
    });
  });
})();
