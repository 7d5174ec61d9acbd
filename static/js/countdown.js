// The home page's deadlines (templates/home/_countdown.html): the server writes the time left in Vietnam time;
// this only keeps it ticking while the page stays open (issue #14 item 2). Same words as config.home.time_left.
(function () {
  "use strict";

  function left(deadline) {
    var seconds = Math.floor((deadline - Date.now()) / 1000);
    if (seconds <= 0) return "Đã hết hạn";
    var days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    if (days) return "Còn " + days + " ngày " + hours + " giờ";
    if (hours) return "Còn " + hours + " giờ " + minutes + " phút";
    return "Còn " + Math.max(minutes, 1) + " phút";
  }

  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var deadline = Date.parse(el.getAttribute("data-deadline"));
      if (!isNaN(deadline)) el.textContent = left(deadline);
    });
  }

  setInterval(tick, 30000);
})();
