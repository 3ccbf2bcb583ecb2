/* Behaviour shared by every page, kept out of the markup so the Content-Security-Policy can
   refuse inline scripts: a control marked data-autosubmit submits its form when changed. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control.form && control.hasAttribute("data-autosubmit")) {
      control.form.submit();
    }
  });
})();
