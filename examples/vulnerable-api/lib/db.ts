import { Pool } from 'pg';

// One pool for the Next.js route handlers.
export const db = new Pool({ connectionString: process.env.DATABASE_URL });
