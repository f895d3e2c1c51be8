import type { NextFunction, Request, Response } from 'express';
import jwt from 'jsonwebtoken';

export interface AuthenticatedRequest extends Request {
  user?: { sub: string; role: string };
}

/** Express middleware: a valid bearer token or 401. */
export function authenticateToken(req: AuthenticatedRequest, res: Response, next: NextFunction) {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
  if (!token) {
    return res.status(401).json({ error: 'Authentication required' });
  }
  jwt.verify(token, process.env.JWT_SECRET as string, (err, payload) => {
    if (err || typeof payload !== 'object' || payload === null) {
      return res.status(401).json({ error: 'Invalid or expired token' });
    }
    req.user = { sub: String(payload.sub), role: String(payload.role) };
    next();
  });
}
