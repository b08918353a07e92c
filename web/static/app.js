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
/* The researcher's tools (issue 14), each an enhancement of a page that works without it:
   - the phone "Filters" button opens and closes the filters in place (without JS it links to them);
   - the trends chart's read-out shows the value of the point under the pointer or focus;
   - the result page's "Top words" link is replaced by the words themselves (/api/top-words). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".filters-button");
    var filters = document.getElementById("filters");
    if (button && filters) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        var open = filters.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) { filters.scrollIntoView({block: "start"}); }
      });
    }
    document.querySelectorAll("[data-chart]").forEach(function (chart) {
      var readout = chart.querySelector(".readout");
      var show = function (event) {
        var title = event.target.getAttribute && event.target.getAttribute("data-title");
        if (title && readout) { readout.textContent = title; }
      };
      chart.addEventListener("mouseover", show);
      chart.addEventListener("focusin", show);
    });
    // The date fields' own display follows the browser's locale (02/23/2019 in the US); the
    // line under each shows the date as the rest of the page writes it (23 Feb 2019).
    var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    document.querySelectorAll(".date-form input[type=date]").forEach(function (input) {
      var shown = document.getElementById(input.getAttribute("aria-describedby"));
      if (!shown) { return; }
      input.addEventListener("change", function () {
        var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.value);
        shown.textContent = parts ? Number(parts[3]) + " " + months[Number(parts[2]) - 1] + " " + parts[1] : "any date";
      });
    });
    var slot = document.querySelector(".top-words-slot[data-words-url]");
    if (slot && window.fetch) {
      fetch(slot.getAttribute("data-words-url"), {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.words || !data.words.length) { return; }
          var link = slot.querySelector("a");
          var list = document.createElement("ol");
          list.className = "top-words";
          list.setAttribute("aria-label", "Words that stand out in these articles");
          data.words.slice(0, 12).forEach(function (word) {
            var item = document.createElement("li");
            var a = document.createElement("a");
            var url = new URL(window.location.href);
            url.searchParams.set("q", ((url.searchParams.get("q") || "") + " " + word.word).trim());
            url.searchParams.delete("page");
            a.href = url.pathname + url.search;
            a.textContent = word.word;
            a.title = "in " + word.sample_docs + " of " + data.sample + " of these articles, " +
                      word.index_docs + " in the whole archive";
            item.appendChild(a);
            list.appendChild(item);
          });
          slot.insertBefore(list, link);
          link.textContent = "More about these words";
        })
        .catch(function () { /* the link stays */ });
    }
  });
})();
/* The follow page's "Copy" button puts the feed's address on the clipboard (without JavaScript
   the address is in a read-only field, selectable by hand, and the button is hidden). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) { return; }
      button.addEventListener("click", function () {
        field.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
        } else { document.execCommand("copy"); done(); }
      });
    });
  });
})();
