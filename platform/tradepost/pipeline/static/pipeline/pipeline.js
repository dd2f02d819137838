// The pipeline board: drag a card to another column to move the opportunity there.
// A drop POSTs the stage to the card's move URL (with the CSRF token, asking for JSON);
// dropping on won or lost first asks why in a small dialog. After a move the board is
// reloaded from the server, so counts and sums stay right. The "Move to…" form on each
// card goes the same way; without JavaScript it is a plain form post.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !board.hasAttribute("data-can-move")) return;
  var csrf = board.getAttribute("data-csrf");
  var closedStages = (board.getAttribute("data-closed-stages") || "").split(" ");
  var status = document.getElementById("board-status");
  var dialog = document.getElementById("close-dialog");
  var dragged = null;

  function say(text, failed) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("failed", Boolean(failed));
  }

  function refresh() {
    return fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (fresh) board.innerHTML = fresh.innerHTML;
      });
  }

  // A card moved to a folded column (won, lost) opens it, so the card stays in sight.
  function unfold(stage) {
    var toggle = board.querySelector(
      '.board-column[data-stage="' + stage + '"] .column-toggle input'
    );
    if (toggle) toggle.checked = true;
  }

  function errorsText(body) {
    var messages = [];
    var errors = (body && body.errors) || {};
    Object.keys(errors).forEach(function (field) {
      (errors[field] || []).forEach(function (error) { messages.push(error.message || error); });
    });
    return messages.join(" ");
  }

  // Resolves with {reason, follow_up_on} or null when cancelled.
  function askWhy(stage) {
    return new Promise(function (resolve) {
      var title = dialog && dialog.querySelector("h2");
      var question = title ? title.getAttribute(stage === "won" ? "data-won" : "data-lost") : "";
      if (!dialog || typeof dialog.showModal !== "function") {
        var reason = window.prompt(question);
        resolve(reason ? { reason: reason } : null);
        return;
      }
      var form = dialog.querySelector("form");
      var wonOnly = dialog.querySelector("[data-won-only]");
      form.reset();
      title.textContent = question;
      wonOnly.hidden = stage !== "won";
      var settled = false;
      function finish(value) {
        if (settled) return;
        settled = true;
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(value);
      }
      function onSubmit(event) {
        event.preventDefault();
        finish({
          reason: form.elements.reason.value.trim(),
          follow_up_on: stage === "won" ? form.elements.follow_up_on.value : "",
        });
      }
      function onCancel(event) {
        event.preventDefault();
        finish(null);
      }
      var cancel = dialog.querySelector("[data-cancel]");
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
      form.elements.reason.focus();
    });
  }

  function move(card, stage) {
    if (!card || !stage || stage === card.getAttribute("data-stage")) return;
    var asking = closedStages.indexOf(stage) >= 0 ? askWhy(stage) : Promise.resolve({});
    asking.then(function (extra) {
      if (!extra) return;
      var body = new FormData();
      body.append("stage", stage);
      body.append("reason", extra.reason || "");
      if (extra.follow_up_on) body.append("follow_up_on", extra.follow_up_on);
      card.classList.add("moving");
      return fetch(card.getAttribute("data-move-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf },
      })
        .then(function (response) {
          return response.json().then(function (data) {
            return { ok: response.ok, data: data };
          }, function () {
            return { ok: false, data: { errors: { stage: [String(response.status)] } } };
          });
        })
        .then(function (result) {
          if (result.ok) {
            say(board.getAttribute("data-text-moved") + " " + (result.data.label || ""));
            return refresh().then(function () { unfold(stage); });
          }
          card.classList.remove("moving");
          say(board.getAttribute("data-text-failed") + " " + errorsText(result.data), true);
        });
    }).catch(function () {
      card.classList.remove("moving");
      say(board.getAttribute("data-text-failed"), true);
    });
  }

  function columnOf(target) {
    return target && target.closest ? target.closest(".board-column") : null;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".opp-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (column) {
      column.classList.remove("drop-target");
    });
  });
  board.addEventListener("dragover", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    column.classList.add("drop-target");
  });
  board.addEventListener("dragleave", function (event) {
    var column = columnOf(event.target);
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  board.addEventListener("drop", function (event) {
    var column = columnOf(event.target);
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    var card = dragged;
    dragged = null;
    card.classList.remove("dragging");
    move(card, column.getAttribute("data-stage"));
  });
  board.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest(".opp-move");
    if (!form) return;
    event.preventDefault();
    move(form.closest(".opp-card"), form.elements.stage.value);
  });
})();
