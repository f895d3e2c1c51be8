/**
 * What the first webhook would otherwise load on arrival, done before the
 * server listens: Node loads WebCrypto (the signature's HMAC, the app JWT's
 * RSA key) and undici (Octokit's `fetch`) on first use, and a CPU profile of
 * a fresh server showed them inside the first acknowledgements of a burst.
 * Nothing leaves the process: the signature is made and checked locally, the
 * app JWT is signed without a request, and `fetch` reads a `data:` URL.
 */
import type { Logger } from 'pino';
import type { Probot } from 'probot';

/** Never throws: a warm-up that fails only means the first webhook pays for it. */
export async function warmUpWebhookPath(app: Probot, log: Pick<Logger, 'warn'>): Promise<void> {
  try {
    const body = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 0 });
    await app.webhooks.verify(body, await app.webhooks.sign(body));
    const appOctokit = await app.auth();
    await appOctokit.auth({ type: 'app' });
    await (await fetch('data:text/plain,warm')).text();
  } catch (error) {
    log.warn({ err: error }, 'warming up the webhook path failed; the first webhook loads what it needs');
  }
}
