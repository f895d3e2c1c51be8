/**
 * A local fake of the GitHub API for tests that run the real app over HTTP.
 * See fake-github.ts for the server, store.ts for seeding, faults.ts for
 * fault injection.
 */
export { FakeGitHub, startFakeGitHub, type FakeGitHubOptions, type RecordedRequest } from './fake-github.js';
export {
  FakeGitHubStore,
  gitBlobSha,
  type CheckRunState,
  type ReviewCommentState,
  type ReviewState,
  type RoleName,
  type SeedPullRequest,
  type SeedPullRequestFile,
  type SeedRepository,
} from './store.js';
export { connectionReset, rateLimitExceeded, secondaryRateLimit, serverError, tooManyRequests, type FaultHandle, type FaultMatcher, type FaultResponse } from './faults.js';
export { patchForAddedFile } from './patch-lines.js';
export { verifyAppJwt } from './app-jwt.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
export { deliverWebhook, signWebhookBody, type WebhookAnswer, type WebhookDelivery } from './webhook-delivery.js';
