// Keyboard shortcuts of the workspace pages, listed in the dialog #shortcuts
// (templates/includes/shortcuts.html), which "?" opens. Keys are ignored while typing
// in a field, and with Ctrl, Alt or ⌘ held (the browser's and Ctrl-K stay theirs).
//   /      focus the list's search box (opening a folded filter panel)
//   n      follow the page's main button (.page-head .button.primary: "New order" …)
//   g + h, c, o, q, p   go to home, customers, orders, quotes, the pipeline (the
//          dialog's data-go-* attributes hold the URLs the user may open)
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");
  if (!dialog) return;
  var pendingGo = false;
  var goTimer = null;

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function focusSearch() {
    var box = document.querySelector("form.filters input[type=search], form.filters input[name=q]");
    if (!box) return false;
    var panel = box.closest("details");
    if (panel) panel.open = true;
    box.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-shortcuts]");
    if (opener) dialog.showModal();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (dialog.open && event.key !== "?") return;
    if (pendingGo) {
      pendingGo = false;
      clearTimeout(goTimer);
      var url = dialog.getAttribute("data-go-" + event.key);
      if (url) {
        event.preventDefault();
        window.location.assign(url);
      }
      return;
    }
    if (event.key === "?") {
      event.preventDefault();
      if (dialog.open) dialog.close();
      else dialog.showModal();
    } else if (event.key === "/") {
      if (focusSearch()) event.preventDefault();
    } else if (event.key === "n") {
      var main = document.querySelector(".page-head a.button.primary");
      if (main) {
        event.preventDefault();
        window.location.assign(main.href);
      }
    } else if (event.key === "g") {
      pendingGo = true;
      goTimer = setTimeout(function () { pendingGo = false; }, 1500);
    }
  });
})();
