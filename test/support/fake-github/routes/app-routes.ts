/**
 * Endpoints a GitHub App calls with its JWT: `GET /app` and the
 * installation access token exchange.
 */
import { randomBytes } from 'node:crypto';
import type { Route } from '../http-types.js';
import { created, notFound, ok } from '../responses.js';
import { timestamp } from '../store.js';

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

export const appRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/app',
    auth: 'app',
    handle: ({ store }) =>
      ok({
        id: store.app.id,
        slug: store.app.slug,
        node_id: `A_kw${store.app.id}`,
        name: store.app.name,
        owner: { login: 'fake-owner', type: 'Organization' },
        permissions: { checks: 'write', contents: 'read', issues: 'write', metadata: 'read', pull_requests: 'write' },
        events: ['check_run', 'check_suite', 'issue_comment', 'pull_request'],
      }),
  },
  {
    method: 'POST',
    pattern: '/app/installations/{installation_id}/access_tokens',
    auth: 'app',
    handle: ({ store, params }) => {
      const installation = store.installations.get(Number(params.installation_id));
      if (!installation) return notFound('https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app');
      const token = `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;
      const expiresAt = timestamp(new Date(Date.now() + TOKEN_LIFETIME_MS));
      store.tokens.set(token, { token, installationId: installation.id, expiresAt });
      return created({
        token,
        expires_at: expiresAt,
        permissions: installation.permissions,
        repository_selection: 'all',
      });
    },
  },
];
