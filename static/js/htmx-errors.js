// A request htmx does not swap (a server error, a worker that died, the database or the network down) is said
// to the person, next to what they pressed, instead of nothing happening: "Lưu" seemed to do nothing while
// the fault lasted (#15 item 9, the chaos run). What they typed stays on the page, so pressing again saves it.
// Refusals (400) and conflicts (409) are swapped by htmx and carry their own message (base.html's htmx-config).
(function () {
  "use strict";

  function place(detail) {
    var elt = detail.elt;
    return (elt && elt.closest && elt.closest("form")) || elt;
  }

  function clear(container) {
    if (!container || !container.querySelectorAll) return;
    container.querySelectorAll("[data-htmx-error]").forEach(function (old) { old.remove(); });
  }

  function say(detail, reason) {
    var container = place(detail);
    if (!container) return;
    clear(container);
    var reading = detail.requestConfig && detail.requestConfig.verb === "get";
    var alert = document.createElement("div");
    alert.className = "alert alert-danger small mt-2 mb-0";
    alert.setAttribute("role", "alert");
    alert.setAttribute("data-htmx-error", "");
    alert.textContent = (reading ? "Chưa tải được nội dung: " : "Chưa lưu được: ") + reason +
      (reading ? " Hãy thử lại sau ít giây." :
        " Những gì bạn vừa nhập vẫn còn trên trang; hãy bấm lại sau ít giây.");
    container.appendChild(alert);
  }

  document.addEventListener("htmx:beforeRequest", function (event) { clear(place(event.detail)); });
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    say(event.detail, status >= 500
      ? "hệ thống đang gặp sự cố (lỗi " + status + ")."
      : "yêu cầu không được chấp nhận (lỗi " + status + ").");
  });
  document.addEventListener("htmx:sendError", function (event) {
    say(event.detail, "không kết nối được máy chủ.");
  });
  document.addEventListener("htmx:timeout", function (event) {
    say(event.detail, "máy chủ không trả lời kịp.");
  });
})();
