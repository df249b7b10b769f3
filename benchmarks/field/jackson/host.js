// Minimal host for the SCIM directory sync of @boxyhq/saml-jackson, as its documentation and
// the BoxyHQ SaaS starter kit wire it: one catch-all route /api/scim/v2.0/<directoryId>/<Users|Groups>/<id>
// that hands { method, body, directoryId, resourceType, resourceId, apiSecret, query } to
// directorySyncController.requests.handle() and answers its { status, data } as JSON.
// Store: SQLite (typeorm + better-sqlite3). Listens on 127.0.0.1 only.
// Usage: node host.js PORT DBFILE STATEFILE   (writes {url, token} of the directory to STATEFILE)
'use strict';
const http = require('http');
const fs = require('fs');

const port = Number(process.argv[2] || 8303);
const dbFile = process.argv[3];
const stateFile = process.argv[4];
const externalUrl = `http://127.0.0.1:${port}`;

async function main() {
  const jackson = await require('@boxyhq/saml-jackson').controllers({
    externalUrl,
    samlPath: '/api/oauth/saml',
    samlAudience: 'https://saml.boxyhq.com',
    db: { engine: 'sql', type: 'sqlite', url: dbFile },
    openid: {},
  });
  const dsync = jackson.directorySyncController;

  // One generic SCIM v2 directory, created once and kept in the database.
  let state = fs.existsSync(stateFile) ? JSON.parse(fs.readFileSync(stateFile, 'utf8')) : null;
  if (!state || !(await dsync.directories.get(state.id)).data) {
    const { data, error } = await dsync.directories.create({
      name: 'field', tenant: 'field-tenant', product: 'field-product', type: 'generic-scim-v2',
    });
    if (error) throw new Error(JSON.stringify(error));
    state = { id: data.id, url: data.scim.endpoint, token: data.scim.secret };
    fs.writeFileSync(stateFile, JSON.stringify(state));
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const reply = (status, data) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      try {
        const url = new URL(req.url, externalUrl);
        const m = url.pathname.match(/^\/api\/scim\/v2\.0\/([^/]+)\/([^/]+)(?:\/([^/]+))?\/?$/);
        if (!m) return reply(404, { error: { message: 'Not Found' } });
        const [, directoryId, path, resourceId] = m;
        const raw = Buffer.concat(chunks).toString('utf8');
        let body;
        try { body = raw ? JSON.parse(raw) : undefined; } catch { body = undefined; }
        // As the documented hosts do (extractAuthToken): the second word of Authorization.
        const auth = req.headers.authorization || '';
        const q = url.searchParams;
        const request = {
          method: req.method,
          body,
          directoryId,
          resourceId: resourceId ? decodeURIComponent(resourceId) : undefined,
          resourceType: path === 'Users' ? 'users' : 'groups',
          apiSecret: auth.split(' ')[1] || null,
          query: {
            count: q.get('count') ? parseInt(q.get('count'), 10) : undefined,
            startIndex: q.get('startIndex') ? parseInt(q.get('startIndex'), 10) : undefined,
            filter: q.get('filter') || undefined,
          },
        };
        const { status, data } = await dsync.requests.handle(request, async () => {});
        reply(status, data);
      } catch (err) {
        console.error(err);
        reply(500, { error: { message: String(err && err.message) } });
      }
    });
  });
  server.listen(port, '127.0.0.1', () => console.log(`listening ${externalUrl}`));
}

main().catch((err) => { console.error(err); process.exit(1); });
