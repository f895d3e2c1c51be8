/**
 * Loaded into the server process by `npm run load` (`node --import` before
 * the app), never by the app itself: where a burst's acknowledgements spent
 * their time on the server's side. Written as JSON to LOAD_SERVER_TIMING_FILE
 * when the process exits:
 * - per POST: the socket accepted, the request's headers parsed (the
 *   `request` event), its body read, the answer's head written, the answer
 *   handed to the socket; epoch milliseconds (performance.timeOrigin + now),
 *   comparable with the load generator's clock on one machine;
 * - the burst, from the first POST's headers until LOAD_SERVER_BURST_POSTS
 *   of them were answered: its wall time, the CPU time the process spent in
 *   it (user + system, all threads; the analysis workers are idle then), and
 *   the main thread's time on a core and waiting for one (Linux schedstat).
 *   CPU time is what the server really spent: wall time on a shared machine
 *   also holds the time other processes had the cores.
 *
 * With LOAD_SERVER_PROFILE_FILE also set, a CPU profile of the main thread
 * over the burst is written there (.cpuprofile). The profiler runs from
 * start-up, since starting it costs hundreds of milliseconds, and its samples
 * are cut to the burst. Its samples are wall-clock: a thread the system
 * preempted is counted in the function it was in.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ServerRequestTiming {
  delivery: string | undefined;
  accepted: number;
  headers: number;
  bodyRead: number;
  answered: number;
  finished: number;
}

export interface ServerTimings {
  requests: ServerRequestTiming[];
  burst?: { posts: number; wallMs: number; cpuMs: number; mainThread?: ThreadSchedule };
}

/** A thread's time on a core and waiting in the run queue for one, in milliseconds (Linux /proc schedstat). */
export interface ThreadSchedule {
  runMs: number;
  waitMs: number;
}

/** The schedule of thread `tid` of process `pid` (the main thread: tid = pid); undefined off Linux. */
export function threadSchedule(pid: number, tid = pid): ThreadSchedule | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    return run === undefined || wait === undefined ? undefined : { runMs: run / 1e6, waitMs: wait / 1e6 };
  } catch {
    return undefined;
  }
}

/** `after` minus `before`, when both were read. */
export function scheduleBetween(before: ThreadSchedule | undefined, after: ThreadSchedule | undefined): ThreadSchedule | undefined {
  return before === undefined || after === undefined ? undefined : { runMs: after.runMs - before.runMs, waitMs: after.waitMs - before.waitMs };
}

const timingFile = process.env.LOAD_SERVER_TIMING_FILE;
const profileFile = process.env.LOAD_SERVER_PROFILE_FILE;
const burstPosts = Number(process.env.LOAD_SERVER_BURST_POSTS) || 1;
const acceptedAt = new WeakMap<Socket, number>();
const timings: ServerTimings = { requests: [] };
const now = (): number => performance.timeOrigin + performance.now();
/** V8's profile clock is the monotonic clock in microseconds, as process.hrtime. */
const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);
interface BurstStart {
  at: number;
  micros: number;
  cpu: NodeJS.CpuUsage;
  schedule: ThreadSchedule | undefined;
}
let burstStart: BurstStart | undefined;
let answered = 0;
let profiler: Session | undefined;

if (timingFile !== undefined && timingFile !== '') {
  const emit = Server.prototype.emit;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'connection') acceptedAt.set(args[0] as Socket, now());
    else if (event === 'request') record(args[0] as IncomingMessage, args[1] as ServerResponse);
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof Server.prototype.emit;
  process.once('exit', () => writeFileSync(timingFile, JSON.stringify(timings)));
  if (profileFile !== undefined && profileFile !== '') {
    profiler = new Session();
    profiler.connect();
    profiler.post('Profiler.enable');
    profiler.post('Profiler.setSamplingInterval', { interval: 100 });
    profiler.post('Profiler.start');
  }
}

function record(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'POST') return;
  burstStart ??= { at: now(), micros: monotonicMicros(), cpu: process.cpuUsage(), schedule: threadSchedule(process.pid) };
  const timing: ServerRequestTiming = {
    delivery: req.headers['x-github-delivery'] as string | undefined,
    accepted: acceptedAt.get(req.socket) ?? Number.NaN,
    headers: now(),
    bodyRead: Number.NaN,
    answered: Number.NaN,
    finished: Number.NaN,
  };
  timings.requests.push(timing);
  req.once('end', () => (timing.bodyRead = now()));
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    timing.answered = now();
    return writeHead.apply(this, args);
  } as ServerResponse['writeHead'];
  res.once('finish', () => {
    timing.finished = now();
    if (++answered === burstPosts && burstStart !== undefined) endBurst(burstStart);
  });
}

function endBurst(start: BurstStart): void {
  const cpu = process.cpuUsage(start.cpu);
  const mainThread = scheduleBetween(start.schedule, threadSchedule(process.pid));
  timings.burst = { posts: burstPosts, wallMs: now() - start.at, cpuMs: (cpu.user + cpu.system) / 1000, mainThread };
  if (profiler !== undefined) writeProfile(profiler, start.micros, monotonicMicros());
  profiler = undefined;
}

function writeProfile(session: Session, from: number, until: number): void {
  session.post('Profiler.stop', (error, result) => {
    session.disconnect();
    if (error !== null) return;
    const profile = result.profile;
    const samples: number[] = [];
    const timeDeltas: number[] = [];
    let at = profile.startTime;
    let last = from;
    for (let index = 0; index < (profile.samples ?? []).length; index++) {
      at += profile.timeDeltas![index]!;
      if (at < from || at > until) continue;
      samples.push(profile.samples![index]!);
      timeDeltas.push(at - last);
      last = at;
    }
    writeFileSync(profileFile!, JSON.stringify({ ...profile, startTime: from, endTime: until, samples, timeDeltas }));
  });
}
