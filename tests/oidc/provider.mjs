// A real OpenID provider on loopback (panva's oidc-provider) standing in for the eID broker in the
// tests and under `EID=oidc make run`. Configured by the environment:
//
//   OIDC_PROVIDER_PORT            port on 127.0.0.1 (required); the issuer is http://127.0.0.1:PORT
//   OIDC_PROVIDER_CLIENT_ID       base client id (default "inissiaq"); see CLIENTS below
//   OIDC_PROVIDER_CLIENT_SECRET   the clients' secret (default "inissiaq-dev-secret")
//   OIDC_PROVIDER_REDIRECT_URIS   comma-separated redirect URIs of the clients
//   OIDC_PROVIDER_LOGOUT_URIS     comma-separated post-logout redirect URIs
//   OIDC_PROVIDER_CLIENT_JWKS     file with the public JWKS of the private_key_jwt client (optional)
//   OIDC_PROVIDER_SIGNING_JWKS    file with the provider's private signing JWKS (optional; generated if absent)
//   OIDC_PROVIDER_CPR_CLAIM       the claim that carries the CPR number (default "dk.cpr")
//   OIDC_PROVIDER_DEMO_DATA       the demo register (default backend/registers/demo_data.json)
//
// Clients: "<id>" (client_secret_basic), "<id>-post" (client_secret_post), "<id>-jwt"
// (private_key_jwt, when OIDC_PROVIDER_CLIENT_JWKS is given) and "<id>-hs" (client_secret_basic whose
// ID tokens are signed with HS256 and the client secret: a token the relying party must refuse).
//
// Accounts: every head of a household in the demo register (sub = a hash, never the CPR number),
// "no-cpr" (an eID without a CPR number) and "not-in-register" (a CPR number the register lacks).
// The login page (/interaction/:uid) lists them with a choice of assurance level (NSIS Low,
// Substantial, High) and a Cancel button (access_denied). Consent is implied for our own clients.
//
// POST /admin/rotate-keys puts a new RSA signing key (new kid) in front of the old ones, as a real
// provider rotating its keys does; answers {"kid": <new kid>}. Prints one JSON line when listening.

import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider from 'oidc-provider';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const PORT = Number(env.OIDC_PROVIDER_PORT);
if (!PORT) {
  console.error('OIDC_PROVIDER_PORT is required');
  process.exit(2);
}
const ISSUER = `http://127.0.0.1:${PORT}`;
const CLIENT_ID = env.OIDC_PROVIDER_CLIENT_ID || 'inissiaq';
const CLIENT_SECRET = env.OIDC_PROVIDER_CLIENT_SECRET || 'inissiaq-dev-secret';
const list = (value) => (value || '').split(',').map((s) => s.trim()).filter(Boolean);
const REDIRECT_URIS = list(env.OIDC_PROVIDER_REDIRECT_URIS);
const LOGOUT_URIS = list(env.OIDC_PROVIDER_LOGOUT_URIS);
const CPR_CLAIM = env.OIDC_PROVIDER_CPR_CLAIM || 'dk.cpr';
const NSIS = 'https://data.gov.dk/concept/core/nsis/loa/';
const LEVELS = ['Substantial', 'High', 'Low'].map((level) => NSIS + level);

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

function accounts() {
  const demo = readJson(env.OIDC_PROVIDER_DEMO_DATA || path.join(HERE, '../../backend/registers/demo_data.json'));
  const people = demo.households.flatMap((h) => h.members).filter((m) => m.relation === 'self');
  const found = new Map();
  for (const { cpr, name } of people) {
    const id = createHash('sha256').update(cpr).digest('hex').slice(0, 16);
    found.set(id, { name, cpr });
  }
  found.set('no-cpr', { name: 'Test person without a CPR number', cpr: null });
  found.set('not-in-register', { name: 'Test person not in the register', cpr: '0101010000' });
  return found;
}

const ACCOUNTS = accounts();

function rsaKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}

function clients() {
  const base = {
    client_secret: CLIENT_SECRET,
    redirect_uris: REDIRECT_URIS,
    post_logout_redirect_uris: LOGOUT_URIS,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
  const all = [
    { ...base, client_id: CLIENT_ID, token_endpoint_auth_method: 'client_secret_basic' },
    { ...base, client_id: `${CLIENT_ID}-post`, token_endpoint_auth_method: 'client_secret_post' },
    { ...base, client_id: `${CLIENT_ID}-hs`, id_token_signed_response_alg: 'HS256' },
  ];
  if (env.OIDC_PROVIDER_CLIENT_JWKS) {
    const { client_secret: _, ...rest } = base;
    all.push({
      ...rest,
      client_id: `${CLIENT_ID}-jwt`,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: readJson(env.OIDC_PROVIDER_CLIENT_JWKS),
    });
  }
  return all;
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid) {
  const people = [...ACCOUNTS.entries()]
    .map(([id, { name }]) => `<li><button type="submit" name="account" value="${escape(id)}">${escape(name)}</button></li>`)
    .join('\n');
  const levels = LEVELS.map((uri) => `<option value="${escape(uri)}">${escape(uri.slice(NSIS.length))}</option>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test eID</title></head><body>
<h1>Test eID (a local OpenID provider, not MitID)</h1>
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Assurance level <select name="acr">${levels}</select></label>
<ul>${people}</ul>
<button type="submit" name="cancel" value="1">Cancel</button>
</form></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function interactions(provider) {
  return async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid);
      return undefined;
    }
    if (ctx.method !== 'POST' || !match[2]) return next();
    const form = await readForm(ctx.req);
    const accountId = form.get('account');
    let result;
    if (form.get('cancel') || !accountId) {
      result = { error: 'access_denied', error_description: 'End-User cancelled the login' };
    } else if (!ACCOUNTS.has(accountId)) {
      ctx.status = 400;
      ctx.body = 'unknown account';
      return undefined;
    } else {
      result = { login: { accountId, acr: form.get('acr') || LEVELS[0] } };
    }
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
    return undefined;
  };
}

function build(keys) {
  const provider = new Provider(ISSUER, {
    clients: clients(),
    jwks: { keys },
    cookies: { keys: [CLIENT_SECRET] },
    acrValues: LEVELS,
    // acr and auth_time with the openid scope: without acr_values a real eID broker still names the level.
    claims: { iss: null, sid: null, openid: ['sub', 'acr', 'auth_time', CPR_CLAIM] },
    conformIdTokenClaims: false,
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    async findAccount(ctx, id) {
      const account = ACCOUNTS.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return account.cpr ? { sub: id, [CPR_CLAIM]: account.cpr } : { sub: id };
        },
      };
    },
    // Our own clients need no consent screen: grant the requested OpenID scopes and claims.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        const found = await ctx.oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
      grant.addOIDCClaims([CPR_CLAIM]);
      await grant.save();
      return grant;
    },
  });
  provider.use(interactions(provider));
  return { provider, handle: provider.callback() };
}

let keys = env.OIDC_PROVIDER_SIGNING_JWKS ? readJson(env.OIDC_PROVIDER_SIGNING_JWKS).keys : [rsaKey()];
let current = build(keys);

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/admin/rotate-keys') {
    const fresh = rsaKey();
    keys = [fresh, ...keys];
    current = build(keys);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: fresh.kid }));
    return;
  }
  current.handle(req, res);
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(JSON.stringify({ issuer: ISSUER, clients: clients().map((c) => c.client_id), kid: keys[0].kid }));
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
