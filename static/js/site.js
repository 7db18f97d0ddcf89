// Small behaviours that would otherwise be inline handlers (the Content-Security-Policy allows
// no inline script): confirm before a destructive form, print buttons, "select all" buttons.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
  const all = event.target.closest("[data-select-all]");
  if (all) document.querySelectorAll(all.dataset.selectAll).forEach((box) => { box.checked = true; });
});
// An upload form with data-max-bytes: files over the limit are stopped before they are sent,
// with the form's own message (the server would refuse them anyway, less helpfully).
const tooLarge = (form) => {
  const bytes = Array.from(form.querySelectorAll("input[type=file]"))
    .flatMap((input) => Array.from(input.files || []))
    .reduce((sum, file) => sum + file.size, 0);
  const over = bytes > Number(form.dataset.maxBytes);
  const note = document.getElementById(form.dataset.tooLarge);
  if (note) note.hidden = !over;
  return over;
};
document.addEventListener("change", (event) => {
  const form = event.target.closest("form[data-max-bytes]");
  if (form) tooLarge(form);
});
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-max-bytes]");
  if (form && tooLarge(form)) event.preventDefault();
});
// The maintenance banner counts down to its end time (data-ends-at, ISO 8601).
const maintenance = document.getElementById("maintenance-banner");
if (maintenance) {
  const endsAt = Date.parse(maintenance.dataset.endsAt);
  const clock = maintenance.querySelector("[data-countdown]");
  const tick = () => {
    const left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    clock.textContent = left > 0 ? `${minutes}:${seconds}` : "any moment now (reload the page)";
    if (left > 0) window.setTimeout(tick, 1000);
  };
  tick();
}
