/* dealloop dashboard: the "add a leg" form posts its fields to /api/legs (JSON). */
(function () {
  'use strict';
  var form = document.getElementById('leg-form');
  if (!form) { document.body.dataset.ready = '1'; return; }
  var error = document.getElementById('leg-error');
  var done = document.getElementById('leg-done');
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = {};
    new FormData(form).forEach(function (v, k) {
      v = String(v).trim();
      if (v === '') return;
      body[k] = /^amount/.test(k) ? Number(v) : v;
    });
    error.hidden = true; done.hidden = true;
    fetch('/api/legs', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.message || ('HTTP ' + r.status));
        return j;
      });
    }).then(function (j) {
      done.hidden = false;
      done.textContent = 'Added leg ' + j.leg + ' (source ' + j.source + '); dataset version ' + j.version + '.';
      document.body.dataset.added = j.leg;
    }).catch(function (err) {
      error.hidden = false;
      error.textContent = String(err.message || err);
    });
  });
  document.body.dataset.ready = '1';
})();
