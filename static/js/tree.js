// Expand or collapse every section of a criteria tree (the page works without it: <details> toggles).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-tree-toggle]").forEach((button) => {
    button.addEventListener("click", () => {
      const open = button.dataset.treeToggle === "open";
      document.querySelectorAll(button.dataset.target + " details").forEach((d) => { d.open = open; });
    });
  });
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
});
