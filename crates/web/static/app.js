// Moves focus to the error summary, so screen-reader and keyboard users meet the errors
// first (DKFDS error summary pattern). Everything works without this script.
document.addEventListener('DOMContentLoaded', function () {
  var summary = document.getElementById('fejlopsummering-boks');
  if (summary) { summary.focus(); }
});

// Warns before the session expires, so nobody loses work in a long form: five minutes
// before, an alert offers to stay signed in (which extends the session); at expiry it says
// so. The alert is a live region, so screen readers announce it.
(function () {
  var meta = document.querySelector('meta[name="session-udloeber"]');
  var csrf = document.querySelector('meta[name="csrf"]');
  if (!meta || !csrf) { return; }
  var WARN_MS = 5 * 60 * 1000;
  var expires = Date.parse(meta.content);
  var timer = null;
  var box = null;

  function time(ms) {
    var d = new Date(ms);
    return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2);
  }

  function show(text, offerExtend) {
    if (!box) {
      box = document.createElement('div');
      box.className = 'alert alert-warning';
      box.id = 'session-advarsel';
      box.setAttribute('role', 'alert');
      var main = document.getElementById('main-content') || document.body;
      main.insertBefore(box, main.firstChild);
    }
    box.innerHTML = '';
    var body = document.createElement('div');
    body.className = 'alert-body';
    var p = document.createElement('p');
    p.className = 'alert-text';
    p.textContent = text;
    body.appendChild(p);
    if (offerExtend) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-secondary mt-3';
      button.textContent = 'Forbliv logget ind';
      button.addEventListener('click', extend);
      body.appendChild(button);
    }
    box.appendChild(body);
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    var now = Date.now();
    if (now >= expires) {
      show('Din session er udløbet. Kopiér det, du har skrevet, log ind igen, og indsæt det.', false);
      return;
    }
    if (now >= expires - WARN_MS) {
      show('Din session udløber kl. ' + time(expires) + '. Gem dit arbejde, eller vælg at forblive logget ind.', true);
      timer = setTimeout(schedule, expires - now);
      return;
    }
    timer = setTimeout(schedule, expires - WARN_MS - now);
  }

  function extend() {
    fetch('/session/forlaeng', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: '_csrf=' + encodeURIComponent(csrf.content),
    })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        expires = Date.parse(data.udloeber);
        if (box) { box.remove(); box = null; }
        schedule();
      })
      .catch(function () {
        show('Sessionen kunne ikke forlænges. Gem dit arbejde nu.', false);
      });
  }

  schedule();
})();
