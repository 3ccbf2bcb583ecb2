/* The offering and demand forms: focus on the error summary, character counters instead of
   silent truncation, and the searchable region picker. Loaded only by those pages; no inline
   scripts (the Content-Security-Policy refuses them). */
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  /* Error summary: take the focus when the page shows it; its links focus their field. */
  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var folded = target.closest("details");
      if (folded) folded.open = true;
      target.scrollIntoView({ block: "center" });
      target.focus();
    });
  }

  /* Counters: "12 / 200 字", and a warning (not a cut) once the text is too long. */
  function initCounters(root) {
    root.querySelectorAll("[data-maxlength]").forEach(function (input) {
      if (input.dataset.counted) return;
      input.dataset.counted = "1";
      var form = input.closest("form");
      var max = parseInt(input.dataset.maxlength, 10);
      var counter = document.createElement("span");
      counter.className = "char-count";
      counter.id = input.id + "_count";
      counter.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", counter);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      function update() {
        var length = Array.from(input.value).length;
        var over = length - max;
        counter.classList.toggle("over", over > 0);
        counter.textContent = over > 0
          ? format(form.dataset.counterOver, { over: over })
          : format(form.dataset.counter, { n: length, max: max });
      }
      input.addEventListener("input", update);
      update();
    });
  }

  /* Region picker: filter provinces, cities and counties by what is typed (a match shows
     the regions above it, unfolded, and everything inside it); "nationwide" folds it away.
     Counties arrive from data-counties-url the first time a region is unfolded or a search
     typed; a region holding a chosen county has its counties in the page already. */
  function initRegionPicker(picker) {
    var search = picker.querySelector("[data-region-search]");
    var empty = picker.querySelector("[data-region-empty]");
    var chosen = picker.querySelector("[data-region-chosen]");
    var list = picker.querySelector(".region-list");
    var field = picker.closest("fieldset");
    var nationwide = field && field.querySelector(".region-nationwide input[type=checkbox]");
    var english = (document.documentElement.lang || "").indexOf("en") === 0;
    var loading = null;

    function countyItem(row, parentName) {
      var code = row[0], zh = row[1], en = row[2];
      var item = document.createElement("li");
      item.dataset.search = (zh + " " + en + " " + code).toLowerCase();
      var label = document.createElement("label");
      label.className = "check";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = picker.dataset.name;
      box.id = picker.dataset.id + "_" + code;
      box.value = code;
      box.dataset.regionName = english ? en + ", " + parentName : parentName + zh;
      label.append(box, " " + (english ? en : zh));
      item.append(label);
      return item;
    }

    function fillCounties(byParent) {
      picker.querySelectorAll("[data-region-counties]:not([data-loaded])").forEach(function (ul) {
        var parentBox = ul.closest("li").querySelector(":scope > label input");
        var parentName = parentBox ? parentBox.dataset.regionName : "";
        var fragment = document.createDocumentFragment();
        (byParent[ul.dataset.regionCounties] || []).forEach(function (row) {
          fragment.append(countyItem(row, parentName));
        });
        ul.append(fragment);
        ul.dataset.loaded = "";
      });
    }

    function loadCounties() {
      if (!loading) {
        loading = fetch(picker.dataset.countiesUrl, { credentials: "same-origin" })
          .then(function (response) {
            if (!response.ok) throw new Error(response.status);
            return response.json();
          })
          .then(function (byParent) {
            fillCounties(byParent);
            filter();
          })
          .catch(function () { loading = null; }); /* try again on the next unfold or keystroke */
      }
      return loading;
    }

    /* Shows or hides `item` and the regions inside it; true when it or one inside matches. */
    function filterItem(item, query, insideMatch) {
      var own = !!query && item.dataset.search.indexOf(query) !== -1;
      var details = item.querySelector(":scope > details");
      var below = false;
      if (details) {
        details.querySelectorAll(":scope > ul > li").forEach(function (child) {
          below = filterItem(child, query, insideMatch || own) || below;
        });
        if (query) details.open = below;
      }
      item.hidden = !(!query || insideMatch || own || below);
      return own || below;
    }

    function filter() {
      var query = search.value.trim().toLowerCase();
      var shown = 0;
      list.querySelectorAll(":scope > li").forEach(function (province) {
        filterItem(province, query, false);
        if (!province.hidden) shown += 1;
      });
      empty.hidden = shown > 0;
    }

    function summarise() {
      var names = Array.from(picker.querySelectorAll("input[type=checkbox]:checked")).map(
        function (box) { return box.dataset.regionName; }
      );
      chosen.textContent = names.length ? chosen.dataset.prefix + names.join(", ") : chosen.dataset.none;
    }

    function nationwideChanged() {
      var on = nationwide && nationwide.checked;
      list.hidden = on;
      search.hidden = on;
      picker.querySelector(".region-search-label").hidden = on;
      chosen.hidden = on;
    }

    search.addEventListener("input", function () {
      filter();
      loadCounties();
    });
    /* Unfolding a region brings the counties (toggle does not bubble: listen while capturing). */
    picker.addEventListener("toggle", function (event) {
      if (event.target.open && event.target.querySelector("[data-region-counties]:not([data-loaded])")) {
        loadCounties();
      }
    }, true);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); /* do not submit the form */
    });
    picker.addEventListener("change", summarise);
    if (nationwide) nationwide.addEventListener("change", nationwideChanged);
    nationwideChanged();
  }

  function init() {
    focusSummary();
    initCounters(document);
    document.querySelectorAll("[data-region-picker]").forEach(initRegionPicker);
    document.body.addEventListener("htmx:afterSwap", function (event) {
      initCounters(event.target);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
