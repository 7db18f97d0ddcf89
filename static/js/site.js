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
