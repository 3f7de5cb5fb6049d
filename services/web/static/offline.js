// Progressive help on weak connections; every page works without it.
// - A report being written is kept on the phone (localStorage) and restored after a reload.
// - A report sent without a signal is kept and sent again when the phone is back online; its
//   idempotency key travels with it, so a report that did arrive is never filed twice.
// - Tracking code and secret get copy buttons.
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft]");
  var note = document.getElementById("draft-note");
  function key() { return "aduan-draft-" + form.dataset.draft; }
  function show(text) { if (note) { note.textContent = text; note.hidden = false; } }
  function fields() {
    var kept = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrf") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      kept[el.name] = el.value;
    });
    return kept;
  }
  function restore(kept) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !(el.name in kept) || el.type === "file" || el.name === "csrf") { return; }
      if (el.type === "radio" || el.type === "checkbox") { el.checked = kept[el.name] === el.value; }
      else { el.value = kept[el.name]; }
    });
  }
  function send() {
    var data = new FormData(form);
    return fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (html) {
        if (response.status >= 500 && response.status !== 503) { throw new Error("server"); }
        localStorage.removeItem(key());
        document.open(); document.write(html); document.close();
      }); });
  }
  if (form) {
    try {
      var saved = JSON.parse(localStorage.getItem(key()) || "null");
      if (saved && saved.pending) { restore(saved.fields); show(form.dataset.offlineText); }
      else if (saved && saved.fields) { restore(saved.fields); show(form.dataset.restoredText); }
    } catch (e) { localStorage.removeItem(key()); }
    form.addEventListener("input", function () {
      localStorage.setItem(key(), JSON.stringify({ fields: fields(), pending: false }));
    });
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) { localStorage.removeItem(key()); return; }
      event.preventDefault();
      localStorage.setItem(key(), JSON.stringify({ fields: fields(), pending: true }));
      show(form.dataset.offlineText);
    });
    window.addEventListener("online", function () {
      var saved = JSON.parse(localStorage.getItem(key()) || "null");
      if (saved && saved.pending) { send().catch(function () { show(form.dataset.offlineText); }); }
    });
  }
  var script = document.currentScript;
  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    button.hidden = !navigator.clipboard;
    button.addEventListener("click", function () {
      var value = document.getElementById(button.dataset.copy).textContent;
      navigator.clipboard.writeText(value).then(function () {
        button.textContent = (script && script.dataset.copied) || "Copied";
      });
    });
  });
})();
