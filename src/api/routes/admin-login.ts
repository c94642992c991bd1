import type { FastifyInstance } from 'fastify';
import { LOGIN_PATH } from '../plugins/auth.ts';

/**
 * A page where an admin pastes a token to open the dashboards in a browser: it
 * posts the token as a bearer header to `POST /api/v1/auth/session` (so no
 * other site can sign anyone in) and follows `next`, a path on this site only.
 * Its script is a file of its own, as the Content-Security-Policy requires.
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>PhishNet: sign in to the dashboards</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1b1f24; }
  textarea { width: 100%; font-family: ui-monospace, monospace; }
  button { margin-top: .75rem; padding: .4rem 1.2rem; }
  #error { color: #b3261e; }
  code { background: #eef0f3; padding: 0 .2rem; }
</style>
</head>
<body>
<h1>PhishNet dashboards</h1>
<p>Paste an admin token (<code>phishnet token --sub you --role admin</code>). It is exchanged for a
cookie that only the dashboards accept, for at most 8 hours; the token itself is not stored.</p>
<form id="login">
  <label for="token">Admin token</label>
  <textarea id="token" rows="5" autocomplete="off" spellcheck="false" required></textarea>
  <button type="submit">Sign in</button>
</form>
<p id="error" role="alert"></p>
<script src="${LOGIN_PATH}.js"></script>
</body>
</html>
`;

const SCRIPT = `'use strict';
(function () {
  var params = new URLSearchParams(location.search);
  var next = params.get('next') || '/admin/queues';
  // Only a path on this site: never //host or a scheme.
  if (!/^\\/(?![\\/\\\\])/.test(next)) next = '/admin/queues';
  var form = document.getElementById('login');
  var error = document.getElementById('error');
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    error.textContent = '';
    var token = document.getElementById('token').value.trim();
    fetch('/api/v1/auth/session', {
      method: 'POST',
      headers: { authorization: 'Bearer ' + token },
      credentials: 'same-origin'
    }).then(function (response) {
      if (response.ok) { location.assign(next); return; }
      return response.json().then(function (body) {
        error.textContent = (body && body.error && body.error.message) || 'sign-in failed';
      });
    }).catch(function () { error.textContent = 'the server did not answer'; });
  });
})();
`;

export function adminLoginRoutes(app: FastifyInstance): void {
  app.get(LOGIN_PATH, { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(PAGE),
  );
  app.get(`${LOGIN_PATH}.js`, { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(SCRIPT),
  );
}
