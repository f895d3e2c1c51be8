import { auth } from '@clerk/nextjs/server';
import { NextResponse } from 'next/server';
import { z } from 'zod';
import { db } from '../../../lib/db';

const newInvoice = z.object({
  customer: z.string().min(1).max(200),
  amountCents: z.number().int().positive(),
});

// Secure: the caller is authenticated and only sees their own invoices.
export async function GET() {
  const { userId } = await auth();
  if (!userId) {
    return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  }
  const { rows } = await db.query(
    'SELECT id, customer, amount_cents, status FROM invoices WHERE owner_id = $1 ORDER BY created_at DESC',
    [userId],
  );
  return NextResponse.json(rows);
}

// Vulnerable: no authentication at all, and the request body goes straight
// into the SQL text.
export async function POST(request: Request) {
  const body = await request.json();
  const { rows } = await db.query(
    `INSERT INTO invoices (customer, amount_cents) VALUES ('${body.customer}', ${body.amountCents}) RETURNING id`,
  );
  return NextResponse.json(rows[0], { status: 201 });
}

// Secure counterpart of POST, kept for comparison: authenticated, validated, parameterised.
export async function PUT(request: Request) {
  const { userId } = await auth();
  if (!userId) {
    return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  }
  const parsed = newInvoice.safeParse(await request.json());
  if (!parsed.success) {
    return NextResponse.json({ error: 'Invalid invoice' }, { status: 400 });
  }
  const { rows } = await db.query(
    'INSERT INTO invoices (owner_id, customer, amount_cents) VALUES ($1, $2, $3) RETURNING id',
    [userId, parsed.data.customer, parsed.data.amountCents],
  );
  return NextResponse.json(rows[0], { status: 201 });
}
