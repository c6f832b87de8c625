/* Autocomplete for the search box: a WAI-ARIA combobox with a listbox of suggestions. */
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  if (!input) { return; }
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var items = [], active = -1, timer = null, seq = 0;

  function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
  }
  function render(results) {
    items = results; list.innerHTML = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li");
      li.id = "search-option-" + i; li.setAttribute("role", "option"); li.textContent = r.label;
      li.addEventListener("mousedown", function (e) { e.preventDefault(); window.location.href = r.url; });
      list.appendChild(li);
    });
    var open = results.length > 0;
    list.hidden = !open; input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = results.length + (results.length === 1 ? " suggestion" : " suggestions");
    active = -1;
  }
  function lookup() {
    var q = input.value.trim(), mine = ++seq;
    if (q.length < 2) { render([]); return; }
    fetch(input.dataset.endpoint + "?q=" + encodeURIComponent(q))
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === seq) { render(data.results || []); } })
      .catch(function () { render([]); });
  }
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 150); });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); mark(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); mark(Math.max(active - 1, 0)); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); window.location.href = items[active].url; }
    else if (e.key === "Escape") { close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
