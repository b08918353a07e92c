/* newsearch: small enhancements only; every page works without this file.
   - the sort menu submits itself when changed (its "Sort" button is then hidden);
   - "/" focuses the search box, as on many search sites. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
      });
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                              target.tagName === "SELECT" || target.isContentEditable);
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        var box = document.getElementById("q");
        if (box) { event.preventDefault(); box.focus(); box.select(); }
      }
    });
  });
})();
