// Nothing typed is lost (#14 item 1), in the browser:
// - a warning before leaving a page whose forms hold text not yet saved (cleared by a successful save);
// - long text fields (textarea[data-draft-key], the key naming the user and the form) keep a local draft in
//   localStorage until saved, offered back ("Khôi phục bản nháp chưa lưu?") after a reload, a closed tab or a
//   lost connection; a text the page shows as sent ([data-draft-done="key"]) is no longer offered;
// - numeric inputs with data-min / data-max / data-places are checked before sending (the server still decides),
//   accepting the decimal comma.
(function () {
  "use strict";
  var PREFIX = "draft:";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function keyOf(area) { return PREFIX + area.getAttribute("data-draft-key"); }

  function forget(root) {
    var s = store();
    if (!s || !root || !root.querySelectorAll) return;
    root.querySelectorAll("textarea[data-draft-key]").forEach(function (area) { s.removeItem(keyOf(area)); });
  }

  function offer(area) {
    var s = store();
    if (!s || area.hasAttribute("data-draft-checked")) return;
    area.setAttribute("data-draft-checked", "");
    var draft = s.getItem(keyOf(area));
    if (draft === null) return;
    if (draft.trim() === area.value.trim()) { s.removeItem(keyOf(area)); return; }  // saved since: nothing to offer
    if (area.disabled) return;
    var box = document.createElement("div");
    box.className = "alert alert-info py-1 px-2 my-1 small d-flex flex-wrap gap-2 align-items-center";
    box.setAttribute("data-draft-offer", "");
    var text = document.createElement("span");
    text.textContent = "Khôi phục bản nháp chưa lưu? “" + (draft.length > 120 ? draft.slice(0, 120) + "…" : draft) + "”";
    var yes = document.createElement("button");
    yes.type = "button"; yes.className = "btn btn-sm btn-primary"; yes.textContent = "Khôi phục";
    var no = document.createElement("button");
    no.type = "button"; no.className = "btn btn-sm btn-outline-secondary"; no.textContent = "Bỏ bản nháp";
    yes.addEventListener("click", function () {
      area.value = draft;
      if (area.form) area.form.setAttribute("data-dirty", "");
      box.remove();
      area.focus();
    });
    no.addEventListener("click", function () { s.removeItem(keyOf(area)); box.remove(); });
    box.appendChild(text); box.appendChild(yes); box.appendChild(no);
    area.insertAdjacentElement("afterend", box);
  }

  // A text sent by a form that leaves no textarea holding it (a request, an answer): the page shows it as sent
  // in an element [data-draft-done="key"]; the draft of that key holding the same words is forgotten.
  function squeeze(text) { return (text || "").replace(/\s+/g, ""); }

  function done(element) {
    var s = store();
    if (!s) return;
    var key = PREFIX + element.getAttribute("data-draft-done");
    var draft = s.getItem(key);
    if (draft !== null && squeeze(draft) === squeeze(element.textContent)) s.removeItem(key);
  }

  function scan(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("[data-draft-done]").forEach(done);
    root.querySelectorAll("textarea[data-draft-key]").forEach(offer);
    root.querySelectorAll("input[data-max]").forEach(check);
  }

  function check(input) {
    var raw = (input.value || "").replace(/\s/g, "");
    var message = "";
    if (raw) {
      var text = raw.replace(",", ".");
      var number = /^\d*\.?\d*$/.test(text) && text !== "." ? Number(text) : NaN;
      var min = Number(input.getAttribute("data-min") || "0");
      var max = Number(input.getAttribute("data-max"));
      var places = input.getAttribute("data-places");
      var shown = function (n) { return String(n).replace(".", ","); };
      if (isNaN(number)) message = "Điểm “" + input.value + "” không phải là một số hợp lệ.";
      else if (number < min) message = "Điểm " + shown(number) + " nhỏ hơn " + shown(min) + ".";
      else if (number > max) message = "Điểm " + shown(number) + " vượt quá điểm tối đa " + shown(max) + " của tiêu chí.";
      else if (places !== null && (text.split(".")[1] || "").replace(/0+$/, "").length > Number(places))
        message = "Điểm chỉ được có tối đa " + places + " chữ số thập phân.";
    }
    input.setCustomValidity(message);
    if (!message && input.form && input.getAttribute("aria-describedby") === "chk-" + input.id) {
      input.classList.remove("is-invalid");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      var old = document.getElementById("chk-" + input.id);
      if (old) old.remove();
    }
  }

  // Refused in the browser: said next to the input, as the server would say it (nothing is sent).
  document.addEventListener("invalid", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-max]") || !input.form) return;
    input.form.querySelectorAll("[data-client-check]").forEach(function (old) { old.remove(); });
    var alert = document.createElement("div");
    alert.className = "alert alert-danger py-1 px-2 my-2 small";
    alert.setAttribute("role", "alert");
    alert.setAttribute("data-client-check", "");
    alert.id = "chk-" + input.id;
    alert.textContent = input.validationMessage;
    input.classList.add("is-invalid");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", alert.id);
    input.form.insertBefore(alert, input.form.firstChild);
  }, true);

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-max]")) check(target);
    var form = target.form;
    if (form && (form.method || "").toLowerCase() === "post") form.setAttribute("data-dirty", "");
    if (target.matches && target.matches("textarea[data-draft-key]")) {
      var s = store();
      if (s) { try { s.setItem(keyOf(target), target.value); } catch (e) { /* storage full: the warning remains */ } }
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    // A form htmx sends is cleared when the server accepts it (below); a plain form leaves the page anyway,
    // and its draft is forgotten on the next page once the server shows the same text.
    if (!(form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post"))) {
      form.removeAttribute("data-dirty"); form.removeAttribute("data-unsaved");
    }
  }, true);

  document.addEventListener("htmx:afterRequest", function (event) {
    // The form that sent (requestConfig.elt): already swapped out of the page, but its fields are still there.
    var elt = (event.detail.requestConfig && event.detail.requestConfig.elt) || event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") || elt : null;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (form && status >= 200 && status < 300) {
      form.removeAttribute("data-dirty");
      forget(form);
      if (form.hasAttribute("data-keep-mine")) {  // kept mine: the draft of the same criterion is saved too
        var card = form.closest("[data-conflict]");
        if (card && card.parentElement) forget(card.parentElement);
      }
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-keep-saved]");
    if (!link) return;
    var card = link.closest("[data-conflict]");
    var scope = card && card.parentElement;
    forget(scope);
    if (scope) scope.querySelectorAll("form").forEach(function (f) {
      f.removeAttribute("data-dirty"); f.removeAttribute("data-unsaved");
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!document.querySelector("form[data-dirty], form[data-unsaved]")) return;
    event.preventDefault();
    event.returnValue = "";  // the browser says its own words: "Rời trang? Thay đổi có thể không được lưu."
  });

  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { scan(document); });
  else scan(document);
})();
