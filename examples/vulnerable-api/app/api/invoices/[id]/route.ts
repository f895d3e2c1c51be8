import { auth } from '@clerk/nextjs/server';
import { NextResponse } from 'next/server';
import { db } from '../../../../lib/db';

type Params = { params: Promise<{ id: string }> };

// Secure: authenticated, and the owner is part of the query.
export async function GET(_request: Request, { params }: Params) {
  const { userId } = await auth();
  if (!userId) {
    return NextResponse.json({ error: 'Unauthorized' }, { status: 401 });
  }
  const { id } = await params;
  const { rows } = await db.query(
    'SELECT id, customer, amount_cents, status FROM invoices WHERE id = $1 AND owner_id = $2',
    [id, userId],
  );
  if (rows.length === 0) {
    return NextResponse.json({ error: 'Not found' }, { status: 404 });
  }
  return NextResponse.json(rows[0]);
}

// Vulnerable: anyone can delete any invoice, the id is spliced into the SQL
// text, and a database error is sent back to the client verbatim.
export async function DELETE(_request: Request, { params }: Params) {
  const { id } = await params;
  try {
    await db.query(`DELETE FROM invoices WHERE id = ${id}`);
    return new NextResponse(null, { status: 204 });
  } catch (err) {
    return NextResponse.json({ error: (err as Error).message }, { status: 500 });
  }
}
