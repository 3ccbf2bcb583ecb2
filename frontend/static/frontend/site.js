/* Behaviour shared by every page, kept out of the markup so the Content-Security-Policy can
   refuse inline scripts. */
(function () {
  "use strict";

  // A control marked data-autosubmit submits its form when changed.
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control.form && control.hasAttribute("data-autosubmit")) {
      control.form.submit();
    }
  });

  // The phone menu: without this script the navigation simply stays open; with it, a real
  // button (keyboard and screen readers) opens and closes it, and Escape closes it.
  var header = document.querySelector(".top");
  var button = header && header.querySelector(".nav-button");
  if (button) {
    header.classList.add("menu-collapsible");
    button.hidden = false;
    var setOpen = function (open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      header.classList.toggle("menu-open", open);
    };
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        setOpen(false);
        button.focus();
      }
    });
  }

  // A table wider than the screen scrolls inside its .table-wrap: keyboard users must be able
  // to reach that region (Tab to it, then the arrow keys scroll it).
  var scrollablesReachable = function () {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth) {
        wrap.tabIndex = 0;
      } else {
        wrap.removeAttribute("tabindex");
      }
    });
  };
  scrollablesReachable();
  window.addEventListener("resize", scrollablesReachable);
  document.body.addEventListener("htmx:afterSettle", scrollablesReachable);

  // Panels marked data-open-wide (search filters) start open on wide screens, folded on phones.
  if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      panel.open = true;
    });
  }
})();
