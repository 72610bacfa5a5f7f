/**
 * The person holding the simulated phone: answers UI alerts 1100-1104 and the device's own
 * questions (smart-card bootstrap, configuration data, starting a session). Scripted (a queue of
 * answers, then a policy) or interactive (a prompt on a terminal). A voice call in progress holds
 * every question until the call ends; the call itself is never dropped (requirements 7, 10, 11).
 */
import type { UserInteraction, UserInteractionReply } from '../core/session/client-api';

export type UserAnswer = 'yes' | 'no' | 'cancel' | 'timeout';
/** What the user does when the script runs out; 'no-ui' answers like a device without a screen (406). */
export type UserPolicy = UserAnswer | 'no-ui';

export interface UserPromptRecord {
  code: UserInteraction['code'];
  text: string;
  answer: UserAnswer | 'no-ui' | 'shown';
  status: number;
  /** A call was in progress when the question arrived, so it waited for the call to end. */
  heldForCall: boolean;
  /** Where the question came from: the server (an alert) or the device itself. */
  origin: 'server' | 'device';
}

export interface SimulatedUser {
  /** Answer one question. */
  ask(alert: UserInteraction): Promise<UserAnswer | 'no-ui' | 'shown'>;
}

export class ScriptedUser implements SimulatedUser {
  private readonly queue: UserAnswer[];
  policy: UserPolicy;
  /** Text typed for 1102 and the choices picked for 1103/1104 (1-based). */
  textAnswer: string;
  choices: number[];

  constructor(options: { answers?: UserAnswer[]; policy?: UserPolicy; textAnswer?: string; choices?: number[] } = {}) {
    this.queue = [...(options.answers ?? [])];
    this.policy = options.policy ?? 'yes';
    this.textAnswer = options.textAnswer ?? '';
    this.choices = options.choices ?? [1];
  }

  /** Append answers to the script. */
  script(...answers: UserAnswer[]): void {
    this.queue.push(...answers);
  }

  remaining(): number {
    return this.queue.length;
  }

  ask(alert: UserInteraction): Promise<UserAnswer | 'no-ui' | 'shown'> {
    if (alert.code === 1100) return Promise.resolve(this.policy === 'no-ui' ? 'no-ui' : 'shown');
    return Promise.resolve(this.queue.shift() ?? this.policy);
  }
}

/** Asks on a terminal: y / n / c (cancel); an empty line or end of input counts as a timeout. */
export class InteractiveUser implements SimulatedUser {
  constructor(
    private readonly input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    private readonly label = 'phone',
  ) {}

  async ask(alert: UserInteraction): Promise<UserAnswer | 'no-ui' | 'shown'> {
    if (alert.code === 1100) {
      this.output.write(`[${this.label}] ${alert.text}\n`);
      return 'shown';
    }
    const choices = alert.choices.length > 0 ? ` (${alert.choices.map((c, i) => `${i + 1}=${c}`).join(', ')})` : '';
    this.output.write(`[${this.label}] ${alert.text}${choices} [y/n/c] `);
    const line = await readLine(this.input);
    const a = (line ?? '').trim().toLowerCase();
    if (a.startsWith('y')) return 'yes';
    if (a.startsWith('n')) return 'no';
    if (a.startsWith('c')) return 'cancel';
    return 'timeout';
  }
}

function readLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        done();
        resolve(buf.slice(0, nl));
      }
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const done = (): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.resume();
  });
}

/** Status and data for an answer to a UI alert (spec 25, dm-protocol-facts "Alerts"). */
export function replyFor(alert: UserInteraction, answer: UserAnswer | 'no-ui' | 'shown', user: SimulatedUser): UserInteractionReply {
  if (answer === 'no-ui') return { status: 406 };
  if (answer === 'timeout') return { status: 408 };
  if (answer === 'cancel') return { status: 214 };
  if (alert.code === 1100) return { status: 200 };
  if (answer === 'no') return { status: alert.code === 1101 ? 304 : 214 };
  switch (alert.code) {
    case 1102:
      return { status: 200, data: [user instanceof ScriptedUser ? user.textAnswer : ''] };
    case 1103: {
      const pick = user instanceof ScriptedUser ? (user.choices[0] ?? 1) : 1;
      return { status: 200, data: [String(Math.min(pick, Math.max(1, alert.choices.length)))] };
    }
    case 1104: {
      const picks = user instanceof ScriptedUser ? user.choices : [1];
      return { status: 200, data: picks.filter((p) => p <= alert.choices.length).map(String) };
    }
    default:
      return { status: 200 };
  }
}

export interface CallEvent {
  at: number;
  event: 'call-started' | 'call-ended' | 'question-held' | 'question-released';
  detail?: string;
}

/**
 * The phone's voice call. Questions wait while a call is active; nothing here ever ends a call,
 * and the log lets a test show the call ran from start to end without a break.
 */
export class VoiceCall {
  private activeSince: number | undefined;
  private waiters: (() => void)[] = [];
  readonly log: CallEvent[] = [];

  constructor(private readonly now: () => number = () => Date.now()) {}

  get active(): boolean {
    return this.activeSince !== undefined;
  }

  start(): void {
    if (this.activeSince !== undefined) return;
    this.activeSince = this.now();
    this.log.push({ at: this.activeSince, event: 'call-started' });
  }

  end(): void {
    if (this.activeSince === undefined) return;
    this.activeSince = undefined;
    this.log.push({ at: this.now(), event: 'call-ended' });
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when no call is active. */
  idle(): Promise<void> {
    if (this.activeSince === undefined) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Every call that started also ended by the user's hand (end()), never by the device, and each
   * call has exactly one start and one end: the continuity record requirements 10 and 11 ask for.
   */
  calls(): { startedAt: number; endedAt?: number; interruptions: number }[] {
    const out: { startedAt: number; endedAt?: number; interruptions: number }[] = [];
    for (const e of this.log) {
      if (e.event === 'call-started') out.push({ startedAt: e.at, interruptions: 0 });
      if (e.event === 'call-ended') {
        const last = out[out.length - 1];
        if (last) last.endedAt = e.at;
      }
    }
    return out;
  }
}

/**
 * The user side of the device: asks the user, holding questions during a call; records every
 * question with its answer.
 */
export class UserAgent {
  readonly prompts: UserPromptRecord[] = [];
  private heldCount = 0;

  constructor(
    readonly user: SimulatedUser,
    readonly call: VoiceCall,
    private readonly timers: { setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void } = {
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
    },
  ) {}

  /** Questions currently waiting for a call to end. */
  get held(): number {
    return this.heldCount;
  }

  async interact(alert: UserInteraction, origin: 'server' | 'device' = 'server'): Promise<UserInteractionReply> {
    let heldForCall = false;
    if (this.call.active) {
      heldForCall = true;
      this.heldCount++;
      this.call.log.push({ at: Date.now(), event: 'question-held', detail: alert.text });
      // MAXDT (seconds) bounds how long the server lets the question wait; past it the answer is a timeout.
      const maxdt = Number(alert.options['MAXDT'] ?? '0');
      const timedOut = await this.waitForCallEnd(maxdt > 0 ? maxdt * 1000 : 0);
      this.heldCount--;
      if (timedOut) {
        this.prompts.push({ code: alert.code, text: alert.text, answer: 'timeout', status: 408, heldForCall, origin });
        return { status: 408 };
      }
      this.call.log.push({ at: Date.now(), event: 'question-released', detail: alert.text });
    }
    const answer = await this.user.ask(alert);
    const reply = replyFor(alert, answer, this.user);
    this.prompts.push({ code: alert.code, text: alert.text, answer, status: reply.status, heldForCall, origin });
    return reply;
  }

  /** A yes/no question from the device itself; true when the user said yes. */
  async confirm(text: string): Promise<boolean> {
    const r = await this.interact({ code: 1101, options: {}, text, choices: [] }, 'device');
    return r.status === 200;
  }

  /** Show a message on the device (never waits for an answer beyond the call hold). */
  async display(text: string): Promise<void> {
    await this.interact({ code: 1100, options: {}, text, choices: [] }, 'device');
  }

  private waitForCallEnd(limitMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: unknown;
      let settled = false;
      if (limitMs > 0) {
        timer = this.timers.setTimeout(() => {
          if (!settled) {
            settled = true;
            resolve(true);
          }
        }, limitMs);
      }
      void this.call.idle().then(() => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) this.timers.clearTimeout(timer);
        resolve(false);
      });
    });
  }
}
