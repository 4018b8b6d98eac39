/* Autocomplete for the search field (WAI-ARIA 1.2 combobox with a listbox popup).
   Progressive enhancement: without this script the field is a plain search input. */
(function () {
  "use strict";
  // Every search form of the page: the header's and, on the search page, its own.
  document.querySelectorAll("form[data-autocomplete]").forEach(attach);

  function attach(form) {
    var input = form.querySelector("input[name=q]");
    if (!input) return;
    var endpoint = form.getAttribute("data-autocomplete");
    var list = document.createElement("ul");
    var status = document.createElement("p");
    var active = -1, timer = null, items = [];
    list.id = input.id + "-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "");
    list.className = "lib-autocomplete__list";
    list.hidden = true;
    status.className = "fr-sr-only";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function select(index) {
      if (index < 0 || index >= items.length) return;
      input.value = items[index].label; close(); form.submit();
    }
    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
      else input.removeAttribute("aria-activedescendant");
    }
    function show(data) {
      items = data.suggestions || [];
      list.textContent = "";
      items.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = input.id + "-option-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        if (item.lang) li.lang = item.lang;
        li.textContent = item.label;
        li.addEventListener("mousedown", function (e) { e.preventDefault(); select(i); });
        list.appendChild(li);
      });
      if (items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
      else close();
      status.textContent = items.length ? items.length + " suggestion" + (items.length > 1 ? "s" : "") : "";
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { close(); return; }
      timer = setTimeout(function () {
        fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(show).catch(close);
      }, 150);
    });
    input.addEventListener("keydown", function (e) {
      if (list.hidden && e.key !== "ArrowDown") return;
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } highlight(Math.min(active + 1, items.length - 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); select(active); }
      else if (e.key === "Escape") { e.preventDefault(); close(); }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }
})();
