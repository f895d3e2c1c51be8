/**
 * The Python section of `npm run bench`: the whole Python analysis of a file
 * (tree-sitter parse, PySourceIndex walk, FastAPI/DRF/Flask discovery, every
 * Python check, fingerprints) against tree-sitter's bare parse of the same
 * file, measured in the same run so the ratio means something; parse, walk
 * and discovery alone are timed too, to show what the checks add. The corpus is
 * generated from a seed: route files of realistic sizes, mixing secure and
 * vulnerable handlers, so the checks do their real work.
 */
import { analyzeFiles, DEFAULT_CONFIG, discoverPythonEndpoints, loadPythonParser, parsePythonWith, prepareEngine } from './engine.js';
import { medianRound, summarize, type TimingSummary } from './stats.js';

export const DEFAULT_PYTHON_SEED = 20261129;

export interface PythonCorpusFile {
  path: string;
  text: string;
  framework: 'fastapi' | 'django-rest-framework' | 'flask';
}

export interface PythonBenchResult {
  files: number;
  lines: number;
  rounds: number;
  /** `parser.parse(text)` then `tree.delete()`: the floor. */
  parse: TimingSummary;
  /** Parse, the index's walk and endpoint discovery: what every check builds on. */
  index: TimingSummary;
  /** `analyzeFiles` on the one file: parse, index, discovery, checks, finalisation. */
  analysis: TimingSummary;
  endpoints: number;
  findings: number;
}

/** mulberry32: a small deterministic generator, so the corpus is the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = ['Invoice', 'Order', 'Note', 'Project', 'Ticket', 'Account', 'User', 'Comment', 'Payment', 'Report'];

function fastapiRoute(next: () => number, model: string, n: number): string {
  const lower = model.toLowerCase();
  const variants = [
    `@router.get("/${lower}s/{item_id}", response_model=${model}Out)\nasync def read_${lower}_${n}(item_id: int, user: Annotated[User, Depends(get_current_user)], db: Session = Depends(get_db)):\n    item = db.query(${model}).filter(${model}.id == item_id, ${model}.owner_id == user.id).first()\n    if item is None:\n        logger.warning("not found", extra={"user_id": user.id})\n        raise HTTPException(status_code=404)\n    return item\n`,
    `@router.post("/${lower}s")\n@limiter.limit("10/minute")\nasync def create_${lower}_${n}(request: Request, payload: ${model}In, user=Depends(get_current_user), db: Session = Depends(get_db)):\n    item = ${model}(**payload.model_dump(exclude_unset=True), owner_id=user.id)\n    db.add(item)\n    db.commit()\n    return {"id": item.id}\n`,
    `@router.get("/${lower}s/search")\nasync def search_${lower}_${n}(q: str, limit: int = 50, db: Session = Depends(get_db)):\n    rows = db.execute(text(f"SELECT * FROM ${lower} WHERE name LIKE '%{q}%' LIMIT {limit}")).all()\n    logger.info(f"search {q} by {request_id}")\n    return rows\n`,
    `@router.put("/${lower}s/{item_id}")\nasync def update_${lower}_${n}(item_id: int, request: Request, db: Session = Depends(get_db)):\n    data = await request.json()\n    try:\n        item = db.get(${model}, item_id)\n        for key, value in data.items():\n            setattr(item, key, value)\n        db.commit()\n    except Exception as e:\n        raise HTTPException(status_code=500, detail=str(e))\n    return item\n`,
    `@router.post("/${lower}s/{item_id}/attachments")\nasync def attach_${lower}_${n}(item_id: int, file: UploadFile = File(...), user=Depends(get_current_user)):\n    if file.content_type not in ALLOWED_TYPES or (file.size or 0) > MAX_UPLOAD:\n        raise HTTPException(status_code=413)\n    await store(item_id, file)\n    return {"ok": True}\n`,
  ];
  return variants[Math.floor(next() * variants.length)];
}

function drfView(next: () => number, model: string, n: number): string {
  const variants = [
    `class ${model}ViewSet${n}(viewsets.ModelViewSet):\n    serializer_class = ${model}Serializer\n    permission_classes = [IsAuthenticated]\n    throttle_classes = [UserRateThrottle]\n\n    def get_queryset(self):\n        return ${model}.objects.filter(owner=self.request.user)\n\n    def perform_create(self, serializer):\n        serializer.save(owner=self.request.user)\n`,
    `@api_view(["POST"])\ndef create_${model.toLowerCase()}_${n}(request):\n    serializer = ${model}Serializer(data=request.data)\n    serializer.is_valid(raise_exception=True)\n    serializer.save(owner=request.user)\n    return Response(serializer.data, status=201)\n`,
    `@api_view(["GET"])\ndef report_${model.toLowerCase()}_${n}(request):\n    q = request.query_params.get("q", "")\n    with connection.cursor() as cursor:\n        cursor.execute("SELECT id FROM app_${model.toLowerCase()} WHERE name = '%s'" % q)\n        rows = cursor.fetchall()\n    return Response({"ids": [r[0] for r in rows]})\n`,
    `class ${model}Detail${n}(APIView):\n    def patch(self, request, pk):\n        obj = ${model}.objects.get(pk=pk)\n        if obj.owner != request.user:\n            return Response(status=status.HTTP_403_FORBIDDEN)\n        ${model}.objects.filter(pk=pk).update(**request.data)\n        return Response(status=204)\n`,
  ];
  return variants[Math.floor(next() * variants.length)];
}

function flaskView(next: () => number, model: string, n: number): string {
  const lower = model.toLowerCase();
  const variants = [
    `@bp.route("/${lower}s/<int:item_id>", methods=["GET"])\n@jwt_required()\ndef get_${lower}_${n}(item_id):\n    item = ${model}.query.filter_by(id=item_id, owner_id=get_jwt_identity()).first_or_404()\n    return jsonify(id=item.id, name=item.name)\n`,
    `@bp.route("/${lower}s", methods=["POST"])\n@login_required\n@limiter.limit("5 per minute")\ndef create_${lower}_${n}():\n    payload = ${model}Schema().load(request.get_json())\n    db.session.add(${model}(name=payload["name"], owner_id=current_user.id))\n    db.session.commit()\n    return jsonify(ok=True), 201\n`,
    `@bp.route("/${lower}s/greet")\ndef greet_${lower}_${n}():\n    name = request.args.get("name", "")\n    per_page = request.args.get("per_page", 20, type=int)\n    items = ${model}.query.paginate(page=1, per_page=per_page)\n    return f"<h1>Hello {name}</h1><p>{len(items.items)}</p>"\n`,
    `@bp.route("/${lower}s/<int:item_id>", methods=["DELETE"])\n@login_required\ndef delete_${lower}_${n}(item_id):\n    item = db.get_or_404(${model}, item_id)\n    if item.owner_id != current_user.id:\n        abort(403)\n    db.session.delete(item)\n    db.session.commit()\n    return "", 204\n`,
  ];
  return variants[Math.floor(next() * variants.length)];
}

const HEADERS = {
  fastapi: `import logging\nfrom typing import Annotated\nfrom fastapi import APIRouter, Depends, File, HTTPException, Request, UploadFile\nfrom pydantic import BaseModel\nfrom sqlalchemy import text\nfrom sqlalchemy.orm import Session\nfrom ..auth import get_current_user\nfrom ..db import get_db\nfrom ..limits import limiter\n\nlogger = logging.getLogger(__name__)\nrouter = APIRouter(prefix="/api")\n`,
  'django-rest-framework': `from django.db import connection\nfrom rest_framework import status, viewsets\nfrom rest_framework.decorators import api_view\nfrom rest_framework.permissions import IsAuthenticated\nfrom rest_framework.response import Response\nfrom rest_framework.throttling import UserRateThrottle\nfrom rest_framework.views import APIView\nfrom .models import *\nfrom .serializers import *\n`,
  flask: `from flask import Blueprint, abort, jsonify, request\nfrom flask_jwt_extended import get_jwt_identity, jwt_required\nfrom flask_login import current_user, login_required\nfrom .extensions import db, limiter\n\nbp = Blueprint("api", __name__, url_prefix="/api")\n`,
};

/** Route files per framework, 4 to 30 handlers each (about 40 to 330 lines), with Pydantic models for FastAPI. */
export function generatePythonCorpus(seed = DEFAULT_PYTHON_SEED, filesPerFramework = 20): PythonCorpusFile[] {
  const next = random(seed);
  const files: PythonCorpusFile[] = [];
  for (const framework of ['fastapi', 'django-rest-framework', 'flask'] as const) {
    for (let f = 0; f < filesPerFramework; f++) {
      const handlers = 4 + Math.floor(next() * 27);
      const parts: string[] = [HEADERS[framework]];
      if (framework === 'fastapi') for (const model of MODELS) parts.push(`class ${model}In(BaseModel):\n    name: str\n\nclass ${model}Out(BaseModel):\n    id: int\n    name: str\n`);
      for (let h = 0; h < handlers; h++) {
        const model = MODELS[Math.floor(next() * MODELS.length)];
        parts.push(framework === 'fastapi' ? fastapiRoute(next, model, h) : framework === 'flask' ? flaskView(next, model, h) : drfView(next, model, h));
      }
      const directory = framework === 'fastapi' ? 'app/routers' : framework === 'flask' ? 'web' : 'api';
      files.push({ path: `${directory}/${framework.replace(/-/g, '_')}_${f}.py`, text: parts.join('\n\n'), framework });
    }
  }
  return files;
}

export async function measurePython(files: readonly PythonCorpusFile[], options: { warmupRounds: number; rounds: number }): Promise<PythonBenchResult> {
  await prepareEngine();
  const parser = await loadPythonParser();
  const parseRounds: number[][] = [];
  const indexRounds: number[][] = [];
  const analysisRounds: number[][] = [];
  let endpoints = 0;
  let findings = 0;
  const timeParse = (): number[] =>
    files.map((file) => {
      const start = performance.now();
      const tree = parser.parse(file.text);
      if (tree === null) throw new Error(`tree-sitter returned no tree for ${file.path}`);
      tree.delete();
      return performance.now() - start;
    });
  const timeIndex = (): number[] =>
    files.map((file) => {
      const start = performance.now();
      discoverPythonEndpoints(parsePythonWith(parser, file.path, file.text));
      return performance.now() - start;
    });
  const timeAnalysis = async (count: boolean): Promise<number[]> => {
    const samples: number[] = [];
    for (const file of files) {
      const start = performance.now();
      const result = await analyzeFiles([{ path: file.path, text: file.text }], { config: DEFAULT_CONFIG });
      samples.push(performance.now() - start);
      if (result.errors.length > 0 || result.skipped.length > 0) throw new Error(`the Python analysis of ${file.path} failed: ${JSON.stringify([...result.errors, ...result.skipped])}`);
      if (count) {
        endpoints += result.endpoints.length;
        findings += result.findings.length;
      }
    }
    return samples;
  };
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    const measured = round >= options.warmupRounds;
    // Alternate which phase goes first, so drift of a busy machine hits both alike.
    let parse: number[];
    let index: number[];
    let analysis: number[];
    if (round % 2 === 0) {
      parse = timeParse();
      index = timeIndex();
      analysis = await timeAnalysis(round === options.warmupRounds);
    } else {
      analysis = await timeAnalysis(round === options.warmupRounds);
      index = timeIndex();
      parse = timeParse();
    }
    if (measured) {
      parseRounds.push(parse);
      indexRounds.push(index);
      analysisRounds.push(analysis);
    }
  }
  return {
    files: files.length,
    lines: files.reduce((total, file) => total + file.text.split('\n').length, 0),
    rounds: options.rounds,
    parse: summarize(medianRound(parseRounds)),
    index: summarize(medianRound(indexRounds)),
    analysis: summarize(medianRound(analysisRounds)),
    endpoints,
    findings,
  };
}

export function formatPython(result: PythonBenchResult): string {
  const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
  return [
    `Python: ${result.files} files, ${result.lines} lines, ${result.endpoints} endpoints, ${result.findings} findings; median of ${result.rounds} rounds, per file`,
    `  tree-sitter parse          p50 ${result.parse.p50Ms.toFixed(2)} ms  p99 ${result.parse.p99Ms.toFixed(2)} ms  total ${result.parse.totalMs.toFixed(1)} ms`,
    `  parse + index + discovery  p50 ${result.index.p50Ms.toFixed(2)} ms  p99 ${result.index.p99Ms.toFixed(2)} ms  total ${result.index.totalMs.toFixed(1)} ms`,
    `  parse + analysis           p50 ${result.analysis.p50Ms.toFixed(2)} ms  p99 ${result.analysis.p99Ms.toFixed(2)} ms  total ${result.analysis.totalMs.toFixed(1)} ms`,
    `  ratio to bare parse        p50 ${ratio(result.analysis.p50Ms, result.parse.p50Ms)}  p99 ${ratio(result.analysis.p99Ms, result.parse.p99Ms)}  total ${ratio(result.analysis.totalMs, result.parse.totalMs)}  (index + discovery alone: total ${ratio(result.index.totalMs, result.parse.totalMs)})`,
  ].join('\n');
}
