// The console's only script (an ES module, served by the gateway; the Content-Security-Policy
// allows no other). Everything works without it except the dashboard's own refresh, the
// confirmation of bulk actions, the progress of a running replay and reading an uploaded file.

// Refresh: an element with data-refresh-url is replaced by that URL's HTML every N seconds
// (the server renders and escapes it). A 401 means the session ended: go to the login form.
for (const el of document.querySelectorAll('[data-refresh-url]')) {
  const url = el.getAttribute('data-refresh-url');
  const seconds = Number(el.getAttribute('data-refresh-seconds') || '5');
  const stopWhen = el.getAttribute('data-refresh-until');
  let busy = false;
  const tick = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (r.status === 401) {
        location.assign('/console/login?expired=1&next=' + encodeURIComponent(location.pathname + location.search));
        return;
      }
      if (r.ok) {
        el.innerHTML = await r.text();
        el.dispatchEvent(new CustomEvent('console:refreshed', { bubbles: true }));
        if (stopWhen && el.querySelector(stopWhen)) clearInterval(timer);
      }
    } catch {
      // The gateway is restarting or the network is down: try again at the next tick.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, seconds * 1000);
}

// Confirmation of a form with data-confirm (bulk replays).
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement)) return;
  const message = form.getAttribute('data-confirm');
  if (message && !window.confirm(message)) e.preventDefault();
});

// Upload: a file input with data-load-into="<textarea id>" reads the file into the textarea
// (text only), refusing files over data-max-bytes with a message next to the input.
for (const input of document.querySelectorAll('input[type=file][data-load-into]')) {
  input.addEventListener('change', async () => {
    const target = document.getElementById(input.getAttribute('data-load-into'));
    const status = document.getElementById(input.getAttribute('aria-describedby') || '');
    const file = input.files && input.files[0];
    if (!file || !target) return;
    const max = Number(input.getAttribute('data-max-bytes') || '0');
    if (max && file.size > max) {
      if (status) status.textContent = `${file.name} is ${file.size} bytes; the limit is ${max} bytes.`;
      input.value = '';
      return;
    }
    target.value = await file.text();
    if (status) status.textContent = `Loaded ${file.name} (${file.size} bytes).`;
  });
}
