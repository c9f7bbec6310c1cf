// Chibo's small amount of glue. No inline scripts anywhere (strict CSP).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el instanceof HTMLInputElement && el.dataset.autosubmit !== undefined && el.form) {
    el.form.requestSubmit();
  }
});

// Tree toggles: the first click loads children (hx-trigger "click once"); later clicks
// show or hide them.
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-toggle]") : null;
  if (!button) return;
  var list = button.closest("li").querySelector(":scope > ul");
  var open = button.getAttribute("aria-expanded") === "true";
  button.setAttribute("aria-expanded", open ? "false" : "true");
  if (list && button.dataset.loaded) list.hidden = open;
  button.dataset.loaded = "1";
});
