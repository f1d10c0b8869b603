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
        if (!data.authenticated) { box.hidden = false; box.querySelector("p").textContent = "ログインの有効期限が切れました。保存済みの内容は失われていません。再度ログインしてください。"; button.hidden = true; return; }
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
