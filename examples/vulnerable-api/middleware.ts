import { clerkMiddleware } from '@clerk/nextjs/server';

// Protects the dashboard pages only: the API routes under app/api/ must check
// the caller themselves.
export default clerkMiddleware(async (auth) => {
  await auth.protect();
});

export const config = {
  matcher: ['/dashboard/:path*'],
};
