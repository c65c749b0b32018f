// Moves focus to the error summary, so screen-reader and keyboard users meet the errors
// first (DKFDS error summary pattern). Everything works without this script.
document.addEventListener('DOMContentLoaded', function () {
  var summary = document.getElementById('fejlopsummering-boks');
  if (summary) { summary.focus(); }
});
