// Inline edit of a list's cells: a cell's pencil (<a data-inline="URL" href="edit page">)
// opens the small form from URL in the cell instead of the edit page; saving posts it
// to URL, which changes the record through the edit page's service and answers the
// new cell (or the form with its errors, shown in place). Esc or Cancel puts the cell
// back. The requests carry X-Inline-Edit; without JavaScript the pencil is a link to
// the page that changes the field.
(function () {
  "use strict";
  var HEADER = { "X-Inline-Edit": "1", Accept: "text/html" };

  function load(cell, response) {
    return response.text().then(function (html) {
      if (!response.ok && response.status !== 400) throw new Error(String(response.status));
      cell.innerHTML = html;
      var form = cell.querySelector("[data-inline-form]");
      cell.classList.toggle("inline-editing", !!form);
      var field = form && form.querySelector("input, select, textarea");
      if (field) field.focus();
      else {
        var pencil = cell.querySelector("[data-inline]");
        if (pencil) pencil.focus();
      }
    });
  }

  function restore(cell) {
    if (cell.hasAttribute("data-inline-before")) {
      cell.innerHTML = cell.getAttribute("data-inline-before");
      cell.removeAttribute("data-inline-before");
      cell.classList.remove("inline-editing");
      var pencil = cell.querySelector("[data-inline]");
      if (pencil) pencil.focus();
    }
  }

  function fail(cell, link) {
    // The page that changes the field, as without JavaScript.
    return function () {
      restore(cell);
      window.location.assign(link);
    };
  }

  document.addEventListener("click", function (event) {
    var pencil = event.target.closest && event.target.closest("a[data-inline]");
    if (pencil) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button) return;
      event.preventDefault();
      var cell = pencil.closest("td") || pencil.parentNode;
      if (!cell.hasAttribute("data-inline-before")) {
        cell.setAttribute("data-inline-before", cell.innerHTML);
      }
      fetch(pencil.getAttribute("data-inline"), { headers: HEADER, credentials: "same-origin" })
        .then(function (response) { return load(cell, response); })
        .catch(fail(cell, pencil.href));
      return;
    }
    var cancel = event.target.closest && event.target.closest("[data-inline-cancel]");
    if (cancel) {
      event.preventDefault();
      restore(cancel.closest("td") || cancel.parentNode.parentNode);
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-inline-form]")) return;
    event.preventDefault();
    var cell = form.closest("td") || form.parentNode;
    var before = cell.getAttribute("data-inline-before");
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: HEADER,
      credentials: "same-origin",
    })
      .then(function (response) {
        return load(cell, response).then(function () {
          if (response.ok) cell.removeAttribute("data-inline-before");
          else if (before !== null) cell.setAttribute("data-inline-before", before);
        });
      })
      .catch(function () {
        restore(cell);
        var pencil = cell.querySelector("a[data-inline]");
        if (pencil) window.location.assign(pencil.href);
      });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var form = event.target.closest && event.target.closest("[data-inline-form]");
    if (form) {
      event.preventDefault();
      restore(form.closest("td") || form.parentNode);
    }
  });
})();
