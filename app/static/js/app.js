// Messages in the page's language come from <body data-text-*> (templates/base.html); the
// Japanese here is only the fallback for a page without them.
function text(key, fallback) {
  var name = "text" + key.charAt(0).toUpperCase() + key.slice(1);
  return (document.body && document.body.dataset[name]) || fallback;
}
// Session timeout warning (no inline scripts: the CSP forbids them).
// Warns SESSION_WARNING seconds before the idle timeout; "continue" extends the session.
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.sessionIdle || "0", 10);
  if (!idle) { return; }
  var warnBefore = parseInt(body.dataset.sessionWarning || "120", 10);
  var box = document.getElementById("session-warning");
  var button = document.getElementById("session-extend");
  var timer = null;

  function schedule(expiresIn) {
    clearTimeout(timer);
    box.hidden = true;
    timer = setTimeout(check, Math.max(1, expiresIn - warnBefore) * 1000);
  }

  function check() {
    fetch(body.dataset.sessionStatusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.authenticated) { box.hidden = false; box.querySelector("p").textContent = text("expired", "ログインの有効期限が切れました。保存済みの内容は失われていません。再度ログインしてください。"); button.hidden = true; return; }
        if (data.expires_in <= warnBefore) { box.hidden = false; button.focus(); timer = setTimeout(check, 15000); }
        else { schedule(data.expires_in); }  // another tab kept the session alive
      })
      .catch(function () { timer = setTimeout(check, 30000); });
  }

  button.addEventListener("click", function () {
    fetch(body.dataset.sessionExtendUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": body.dataset.csrf }
    }).then(function (r) { return r.json(); })
      .then(function (data) { schedule(data.expires_in); });
  });

  schedule(idle);
})();

// Unsaved input guard: forms marked data-unsaved-warning warn before the page is left with
// changes typed but not saved (the browser's own dialog on unload, a Japanese confirm on the
// app's links). Submitting the form (its buttons, the sidebar's save-and-go buttons) is fine.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-unsaved-warning]");
  if (!forms.length) { return; }
  var dirty = false, leaving = false;
  var message = text("unsaved", "保存していない入力があります。このページを離れると入力内容は失われます。移動しますか？");
  Array.prototype.forEach.call(forms, function (form) {
    // A page drawn again with what the user posted (errors, a conflict, a restored draft).
    if (form.dataset.unsavedWarning === "unsaved") { dirty = true; }
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { leaving = true; });
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!dirty || leaving || !link || event.defaultPrevented) { return; }
    if (link.target === "_blank" || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
    if (link.getAttribute("href").charAt(0) === "#") { return; }  // same page (skip link, anchors)
    if (window.confirm(message)) { leaving = true; } else { event.preventDefault(); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty || leaving) { return; }
    event.preventDefault();
    event.returnValue = "";  // older browsers need a value to show their dialog
  });
})();

// The questionnaire's step navigation (details.step-nav) is open beside the page on wide
// screens and a compact bar on narrow ones (the same breakpoint as the one-column layout).
(function () {
  "use strict";
  var nav = document.querySelector("details.step-nav");
  if (!nav || !window.matchMedia) { return; }
  var narrow = window.matchMedia("(max-width: 860px)");
  function fit() { nav.open = !narrow.matches; }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
})();

// Focus never ends up under the sticky save bar (WCAG 2.4.11). The stylesheet's
// scroll-padding-bottom covers most moves; Chromium does not scroll when a field is already
// partly in view, so after each focus change a field the bar still covers is scrolled above it.
(function () {
  "use strict";
  var bar = document.querySelector(".nav-buttons");
  if (!bar) { return; }
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (bar.contains(target)) { return; }
    window.requestAnimationFrame(function () {
      var field = target.getBoundingClientRect();
      var cover = bar.getBoundingClientRect();
      if (field.bottom > cover.top && field.top < cover.bottom) {
        window.scrollBy(0, field.bottom - cover.top + 8);
      }
    });
  });
})();

// A panel or table that scrolls sideways on a narrow screen must be reachable from the keyboard
// (WCAG 2.1.1; axe: scrollable-region-focusable): such a region gets a tab stop and a name.
(function () {
  "use strict";
  var selector = ".panel, .table-scroll, .scroll-x, .report-table, .distribution";
  function mark() {
    var regions = document.querySelectorAll(selector);
    for (var i = 0; i < regions.length; i++) {
      var region = regions[i];
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      var style = window.getComputedStyle(region).overflowX;
      if (scrolls && (style === "auto" || style === "scroll")) {
        if (!region.hasAttribute("tabindex")) {
          region.setAttribute("tabindex", "0");
          region.setAttribute("data-scroll-stop", "");
          if (!region.hasAttribute("aria-label") && !region.hasAttribute("role")) {
            var heading = region.querySelector("h2, h3, caption");
            region.setAttribute("role", "region");
            region.setAttribute("aria-label", heading ? heading.textContent.trim() : text("scrollTable", "横にスクロールできる表"));
          }
        }
      } else if (region.hasAttribute("data-scroll-stop")) {
        region.removeAttribute("tabindex");
        region.removeAttribute("data-scroll-stop");
        if (region.getAttribute("role") === "region") {
          region.removeAttribute("role");
          region.removeAttribute("aria-label");
        }
      }
    }
  }
  mark();
  window.addEventListener("resize", mark);
})();
