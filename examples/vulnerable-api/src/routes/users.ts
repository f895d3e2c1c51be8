import express from 'express';
import { pool } from '../db/pool';
import { authenticateToken, type AuthenticatedRequest } from '../middleware/auth';

const router = express.Router();

// Secure: authenticated, parameterised, only the caller's own profile.
router.get('/me', authenticateToken, async (req: AuthenticatedRequest, res) => {
  const { rows } = await pool.query('SELECT id, name, email FROM users WHERE id = $1', [req.user!.sub]);
  res.json(rows[0] ?? null);
});

// Vulnerable: no authentication, and the search term is spliced into the SQL text.
router.get('/search', async (req, res) => {
  const { rows } = await pool.query(`SELECT id, name, email FROM users WHERE name ILIKE '%${req.query.q}%'`);
  res.json(rows);
});

// Vulnerable: authenticated, but a database error goes back to the client verbatim.
router.delete('/:id', authenticateToken, async (req: AuthenticatedRequest, res) => {
  try {
    await pool.query('DELETE FROM users WHERE id = $1', [req.params.id]);
    res.status(204).end();
  } catch (err) {
    res.status(500).json({ error: (err as Error).message });
  }
});

export default router;
