// Type-ahead for <select data-typeahead="/search/pick/<kind>/"> (customer and product
// pickers, workspace.forms.TypeaheadSelect). The select stays in the form, hidden, and
// still posts the chosen id; a text box in front of it is an ARIA 1.2 combobox:
//   typing asks the picker (after a short pause) for the records the words find, in
//   the caller's scope; ↓/↑ move through them, Enter or a click takes one, Esc closes
//   the list (a second Esc puts back the chosen record's name), Tab leaves.
// Taking a record sets the select and sends it a "change" event, so whatever follows
// the field (a quote's opportunities, the live prices) hears of it. Without
// JavaScript the select is the plain list.
// window.tradepostTypeahead.enhance(root) sets up the selects under root (rows added
// to a document's lines call it).
(function () {
  "use strict";
  var DELAY = 200;
  var counter = 0;

  function setup(select) {
    if (select.hasAttribute("data-typeahead-ready")) return;
    select.setAttribute("data-typeahead-ready", "");
    counter += 1;
    var id = "typeahead-" + counter;
    var wrapper = document.createElement("div");
    wrapper.className = "typeahead";
    var input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.className = "typeahead-input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-list");
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.placeholder = select.getAttribute("data-typeahead-placeholder") || "";
    if (select.required) input.setAttribute("aria-required", "true");
    if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
    var list = document.createElement("ul");
    list.id = id + "-list";
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");

    // The field's label now names the text box; the select leaves the tab order.
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      label.htmlFor = id;
      list.setAttribute("aria-labelledby", label.id || (label.id = id + "-label"));
    } else {
      var cell = select.closest("[data-label]");
      var name = select.getAttribute("aria-label") || (cell && cell.getAttribute("data-label"));
      if (name) {
        input.setAttribute("aria-label", name);
        list.setAttribute("aria-label", name);
      }
    }
    select.hidden = true;
    select.tabIndex = -1;
    select.parentNode.insertBefore(wrapper, select);
    wrapper.appendChild(input);
    wrapper.appendChild(list);
    wrapper.appendChild(status);
    wrapper.appendChild(select);

    var results = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function chosenLabel() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.textContent.trim() : "";
    }
    input.value = chosenLabel();

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("[role=option]");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      Array.prototype.forEach.call(items, function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function show(answer) {
      results = answer.results || [];
      list.textContent = "";
      results.forEach(function (result, i) {
        var item = document.createElement("li");
        item.id = id + "-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-index", String(i));
        var main = document.createElement("span");
        main.textContent = result.label;
        item.appendChild(main);
        if (result.secondary) {
          var extra = document.createElement("small");
          extra.textContent = result.secondary;
          item.appendChild(extra);
        }
        list.appendChild(item);
      });
      var note = null;
      if (!results.length) note = select.getAttribute("data-typeahead-empty");
      else if (answer.more) note = select.getAttribute("data-typeahead-more");
      if (note) {
        var hint = document.createElement("li");
        hint.className = "typeahead-note";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = note;
        list.appendChild(hint);
      }
      status.textContent = note || String(results.length);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
      input.removeAttribute("aria-activedescendant");
    }

    function ask() {
      asked += 1;
      var mine = asked;
      var url = select.getAttribute("data-typeahead") + "?q=" + encodeURIComponent(input.value.trim());
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok && response.status !== 400) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (answer) {
          if (mine !== asked || document.activeElement !== input) return;
          show(answer.errors ? { results: [] } : answer);
        })
        .catch(function () {
          if (mine !== asked) return;
          show({ results: [] });
          status.textContent = select.getAttribute("data-typeahead-failed") || "";
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY);
    }

    function take(index) {
      var result = results[index];
      if (!result) return;
      var value = String(result.id);
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === value; });
      if (!option) {
        option = document.createElement("option");
        option.value = value;
        option.textContent = result.label;
        select.appendChild(option);
      }
      var changed = select.value !== value;
      select.value = value;
      input.value = result.label;
      close();
      if (changed) select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function clear() {
      if (select.value === "") return;
      select.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    input.addEventListener("input", function () {
      if (!input.value.trim()) clear();
      later();
    });
    input.addEventListener("focus", function () { input.select(); });
    input.addEventListener("keydown", function (event) {
      var key = event.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) {
          ask();
          return;
        }
        highlight(key === "ArrowDown" ? active + 1 : active - 1);
      } else if (key === "Enter") {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          take(active);
        }
      } else if (key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        } else if (input.value !== chosenLabel()) {
          event.preventDefault();
          input.value = chosenLabel();
        }
      } else if (key === "Tab" && !list.hidden && active >= 0) {
        take(active);
      }
    });
    input.addEventListener("blur", function () {
      clearTimeout(timer);
      asked += 1;  // an answer still on its way is not shown
      close();
      // What is typed but not taken does not count: the field shows what it will post.
      if (input.value.trim()) input.value = chosenLabel();
    });
    // mousedown, not click: the text box must not lose its focus before the choice.
    list.addEventListener("mousedown", function (event) {
      var item = event.target.closest("[role=option]");
      if (!item) return;
      event.preventDefault();
      take(parseInt(item.getAttribute("data-index"), 10));
    });
    // The form's reset (or a script setting the select) shows in the box.
    select.addEventListener("change", function () {
      if (document.activeElement !== input) input.value = chosenLabel();
    });
  }

  function enhance(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("select[data-typeahead]"),
      function (select) {
        if (!select.closest("template")) setup(select);
      }
    );
  }

  window.tradepostTypeahead = { enhance: enhance };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();
