import pg from 'pg';

// One pool for the Express API.
export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
