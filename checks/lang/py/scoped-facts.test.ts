import { describe, expect, it } from 'vitest';
import { parsePython } from './parse.js';
import { ScopedFacts, scopesKey } from './scoped-facts.js';
import { discoverPythonEndpoints } from '../../python/frameworks/index.js';

const VIEWS = `from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

class NoteViewSet(viewsets.ModelViewSet):
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return Note.objects.filter(owner=self.request.user)

class TagViewSet(viewsets.ModelViewSet):
    def get_queryset(self):
        return Tag.objects.all()

    def destroy(self, request, pk=None):
        return Response(status=204)
`;

describe('ScopedFacts', () => {
  it('computes a fact once per scopes array and index, apart per discriminator', async () => {
    const index = await parsePython('views.py', VIEWS);
    const other = await parsePython('other.py', VIEWS);
    const facts = new ScopedFacts<number>('test');
    const scopes = [{ pos: 0, end: 10 }];
    let computed = 0;
    const compute = () => ++computed;
    expect(facts.get(index, scopes, compute)).toBe(1);
    expect(facts.get(index, scopes, compute)).toBe(1);
    // Equal ranges in another array: another key (sharing is discovery's job, through one array).
    expect(facts.get(index, [{ pos: 0, end: 10 }], compute)).toBe(2);
    // Another file or another discriminator: computed, never answered from the first.
    expect(facts.get(other, scopes, compute)).toBe(3);
    expect(facts.get(index, scopes, compute, 'handler')).toBe(4);
    expect(facts.get(index, scopes, compute)).toBe(1);
  });

  it('keys scopes by their ranges', () => {
    expect(scopesKey([{ pos: 1, end: 5 }, { pos: 7, end: 9 }])).toBe('1-5,7-9');
    expect(scopesKey([])).toBe('');
  });
});

describe('codeScopes hands endpoints with the same code one array', () => {
  it("a ViewSet's inherited actions share their scopes; an action written in the class and another class do not", async () => {
    const index = await parsePython('views.py', VIEWS);
    const endpoints = discoverPythonEndpoints(index);
    const notes = endpoints.filter((endpoint) => endpoint.route.startsWith('NoteViewSet'));
    expect(notes.map((endpoint) => endpoint.action)).toEqual(['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy']);
    for (const endpoint of notes) expect(endpoint.scopes).toBe(notes[0].scopes);
    const tags = endpoints.filter((endpoint) => endpoint.route.startsWith('TagViewSet'));
    const destroy = tags.find((endpoint) => endpoint.action === 'destroy')!;
    const list = tags.find((endpoint) => endpoint.action === 'list')!;
    expect(destroy.scopes).not.toBe(list.scopes);
    expect(scopesKey(destroy.scopes)).not.toBe(scopesKey(list.scopes));
    expect(list.scopes).not.toBe(notes[0].scopes);
    expect(tags.filter((endpoint) => endpoint.scopes === list.scopes)).toHaveLength(5);
  });
});
