// The page has script: the DKFDS mobile menu works (app.css shows the plain menu without it).
document.documentElement.classList.add('js');
document.addEventListener('DOMContentLoaded', function () {
  if (window.DKFDS && window.DKFDS.Navigation) { new window.DKFDS.Navigation().init(); }
});

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

// "Vælg alle viste": one box that checks every box of the list it sits in. Without the
// script the box stays hidden and each afdeling is chosen on its own.
(function () {
  var holder = document.querySelector('[data-vaelg-alle]');
  if (!holder) { return; }
  var all = holder.querySelector('[data-vaelg-alle-boks]');
  var form = holder.closest('form');
  holder.hidden = false;
  function boxes() { return form.querySelectorAll('input[type="checkbox"][name^="afd_"]'); }
  all.addEventListener('change', function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
  });
  form.addEventListener('change', function (e) {
    if (e.target === all) { return; }
    var list = Array.prototype.slice.call(boxes());
    all.checked = list.length > 0 && list.every(function (b) { return b.checked; });
  });
})();

// A file over the limit is refused before it is sent (the server refuses it too, with the
// same message, but only after the whole upload).
document.querySelectorAll('input[type="file"][data-max-mb]').forEach(function (input) {
  input.form.addEventListener('submit', function (e) {
    var max = Number(input.getAttribute('data-max-mb'));
    var file = input.files && input.files[0];
    if (!file || file.size <= max * 1024 * 1024) { return; }
    e.preventDefault();
    var id = input.id + '-fejl';
    var message = document.getElementById(id);
    if (!message) {
      message = document.createElement('span');
      message.className = 'form-error-message';
      message.id = id;
      input.parentNode.insertBefore(message, input);
      input.setAttribute('aria-describedby', (input.getAttribute('aria-describedby') || '') + ' ' + id);
    }
    message.textContent = 'Filen er større end ' + max + ' MB. Vælg en mindre fil.';
    input.closest('.form-group').classList.add('form-error');
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  });
});

// An error-summary link, or a link from check-your-answers to "#field", puts the focus on the
// field itself (its first input), with its label or legend in view, as GOV.UK's and DKFDS's
// error summaries do; a plain jump to the group would leave the focus behind.
(function () {
  function focusField(id) {
    var target = document.getElementById(id);
    if (!target) { return false; }
    var input = target.matches('input, textarea, select') ? target
      : target.querySelector('input:not([type="hidden"]), textarea, select');
    if (!input) { return false; }
    var group = input.closest('.form-group') || target;
    group.scrollIntoView();
    input.focus({ preventScroll: true });
    return true;
  }
  var summary = document.getElementById('fejlopsummering-boks');
  if (summary) {
    summary.addEventListener('click', function (e) {
      var link = e.target.closest('a[href^="#"]');
      if (link && focusField(decodeURIComponent(link.getAttribute('href').slice(1)))) { e.preventDefault(); }
    });
  }
  if (location.hash.length > 1) {
    document.addEventListener('DOMContentLoaded', function () {
      focusField(decodeURIComponent(location.hash.slice(1)));
    });
  }
})();

// "Hvis ja, hvilke?" is shown only while "Ja" is chosen (the server keeps no text under a
// "Nej" either), so what the form shows is what will be saved.
document.querySelectorAll('[data-hvilke-for]').forEach(function (box) {
  var radios = document.querySelectorAll('input[type="radio"][name="' + box.getAttribute('data-hvilke-for') + '"]');
  function update() {
    var nej = Array.prototype.some.call(radios, function (r) { return r.checked && r.value === 'nej'; });
    box.hidden = nej;
  }
  radios.forEach(function (r) { r.addEventListener('change', update); });
  update();
});
