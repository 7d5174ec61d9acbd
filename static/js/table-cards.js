// On a phone the tables are stacked cards (app.css, under 576 px): each cell is labelled with its column's
// header, copied here into data-label (issue #14 item 5). Run on load and on every htmx swap.
(function () {
  "use strict";

  function label(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("table.table").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
      if (!head) return;
      var names = [];
      Array.prototype.forEach.call(head.cells, function (cell) {
        var name = cell.textContent.replace(/\s+/g, " ").trim();
        var hidden = cell.querySelector(".visually-hidden");
        if (hidden && hidden.textContent.replace(/\s+/g, " ").trim() === name) name = "";  // an action column
        for (var i = 0; i < (cell.colSpan || 1); i++) names.push(name);
      });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var name = names[column];
            if (name && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", name);
            column += cell.colSpan || 1;
          });
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { label(document); });
  document.addEventListener("htmx:afterSwap", function () { label(document); });
})();
