/* Commune autocomplete: progressive enhancement of a plain text input.
 *
 * <input data-commune-autocomplete data-url="/api/communes/"> works without this script
 * (the server reads an INSEE code, a label "Caen (14)" or a unique name). With it, the
 * input becomes an ARIA 1.2 combobox (editable, list autocomplete) with a listbox of at
 * most 10 communes; the chosen INSEE code is posted by a hidden input of the same name.
 * Keys: Down/Up move, Enter chooses, Escape closes (then clears), Home/End in the text.
 * No third-party code. */
(function () {
  "use strict";
  var counter = 0;

  function enhance(input) {
    if (input.dataset.communeReady) return;
    input.dataset.communeReady = "1";
    counter += 1;
    var id = input.id || "commune-input-" + counter;
    input.id = id;
    var listId = id + "-listbox";
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = input.name;
    hidden.value = input.dataset.insee || input.value;
    input.removeAttribute("name");
    if (input.dataset.label) input.value = input.dataset.label;
    input.insertAdjacentElement("afterend", hidden);

    var wrapper = document.createElement("div");
    wrapper.className = "commune-ac";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "commune-ac__list";
    list.setAttribute("role", "listbox");
    var labels = input.labels && input.labels.length ? input.labels[0] : null;
    if (labels) {
      labels.id = labels.id || id + "-label";
      list.setAttribute("aria-labelledby", labels.id);
    }
    list.hidden = true;
    wrapper.appendChild(list);
    var status = document.createElement("div");
    status.className = "fr-sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    wrapper.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var results = [];
    var active = -1;
    var timer = null;
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) return;
      if (index < 0) index = options.length - 1;
      if (index >= options.length) index = 0;
      for (var i = 0; i < options.length; i++) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }

    function choose(index) {
      var hit = results[index];
      if (!hit) return;
      input.value = hit.label;
      hidden.value = hit.insee;
      close();
      input.dispatchEvent(new CustomEvent("commune:change", { bubbles: true, detail: hit }));
    }

    function render() {
      list.textContent = "";
      results.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.className = "commune-ac__option";
        li.textContent = hit.label;
        if (hit.postal_codes.length) {
          var small = document.createElement("span");
          small.className = "commune-ac__postal";
          small.textContent = " " + hit.postal_codes.slice(0, 3).join(", ");
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
        });
        li.addEventListener("click", function () {
          choose(i);
        });
        list.appendChild(li);
      });
      var n = results.length;
      status.textContent =
        n === 0
          ? input.dataset.labelEmpty
          : n === 1
            ? input.dataset.labelOne
            : input.dataset.labelCount.replace("%(count)s", n);
      if (n) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
      active = -1;
    }

    function fetchResults() {
      var q = input.value.trim();
      if (q.length < 2) {
        results = [];
        close();
        status.textContent = "";
        return;
      }
      if (controller) controller.abort();
      controller = "AbortController" in window ? new AbortController() : null;
      var url = input.dataset.url + "?q=" + encodeURIComponent(q);
      fetch(url, {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (r) {
          return r.ok ? r.json() : { results: [] };
        })
        .then(function (data) {
          if (input.value.trim() !== q) return;
          results = data.results || [];
          render();
        })
        .catch(function () {
          /* aborted or offline: the typed text is still posted */
        });
    }

    input.addEventListener("input", function () {
      // Until a commune is chosen, post what was typed: the server reads it.
      hidden.value = input.value;
      clearTimeout(timer);
      timer = setTimeout(fetchResults, 200);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open && results.length) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        setActive(active + 1);
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        setActive(active - 1);
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
          hidden.value = "";
        }
      } else if (event.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  function init(root) {
    var inputs = (root || document).querySelectorAll("input[data-commune-autocomplete]");
    for (var i = 0; i < inputs.length; i++) enhance(inputs[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      init();
    });
  } else {
    init();
  }
  window.liberationCommuneAutocomplete = init;
})();
