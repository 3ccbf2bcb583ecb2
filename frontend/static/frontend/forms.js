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

  /* Region picker: filter provinces and cities by what is typed; "nationwide" folds it away. */
  function initRegionPicker(picker) {
    var search = picker.querySelector("[data-region-search]");
    var empty = picker.querySelector("[data-region-empty]");
    var chosen = picker.querySelector("[data-region-chosen]");
    var list = picker.querySelector(".region-list");
    var field = picker.closest("fieldset");
    var nationwide = field && field.querySelector(".region-nationwide input[type=checkbox]");

    function filter() {
      var query = search.value.trim().toLowerCase();
      var shown = 0;
      picker.querySelectorAll(".region-province").forEach(function (province) {
        var own = province.dataset.search.indexOf(query) !== -1;
        var cities = province.querySelectorAll(".region-cities li");
        var anyCity = false;
        cities.forEach(function (city) {
          var match = !query || own || city.dataset.search.indexOf(query) !== -1;
          city.hidden = !match;
          anyCity = anyCity || (query && city.dataset.search.indexOf(query) !== -1);
        });
        var visible = !query || own || anyCity;
        province.hidden = !visible;
        var details = province.querySelector("details");
        if (details && query) details.open = anyCity;
        if (visible) shown += 1;
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

    search.addEventListener("input", filter);
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
