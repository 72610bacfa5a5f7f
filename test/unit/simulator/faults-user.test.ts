import { describe, expect, it } from 'vitest';
import { ByteThrottle, FaultSet, formatFaults, parseFaults } from '../../../src/simulator/faults';
import { ScriptedUser, UserAgent, VoiceCall, replyFor } from '../../../src/simulator/user';
import type { UserInteraction } from '../../../src/core/session/client-api';

const confirm = (text = 'Install?', options: Record<string, string> = {}): UserInteraction => ({ code: 1101, options, text, choices: [] });

describe('fault list', () => {
  it('parses every fault of the CLI spelling', () => {
    const f = parseFaults('battery-low,external-power,disconnect-at:1000,corrupt-chunk:2,install-fail,slow-reboot:500,throttle:115200,wrong-credentials,call-in-progress,decline');
    expect(f).toEqual([
      { kind: 'battery-low', percent: 12 },
      { kind: 'external-power' },
      { kind: 'disconnect-at', byte: 1000 },
      { kind: 'corrupt-chunk', chunk: 2 },
      { kind: 'install-fail' },
      { kind: 'slow-reboot', ms: 500 },
      { kind: 'throttle', baud: 115200 },
      { kind: 'wrong-credentials' },
      { kind: 'call-in-progress' },
      { kind: 'decline' },
    ]);
    expect(parseFaults(formatFaults(f))).toEqual(f);
    expect(parseFaults('battery-low:5')).toEqual([{ kind: 'battery-low', percent: 5 }]);
  });

  it('refuses unknown faults and missing numbers with a plain message', () => {
    expect(() => parseFaults('meltdown')).toThrow(/unknown fault "meltdown"/);
    expect(() => parseFaults('disconnect-at')).toThrow(/needs a number/);
    expect(() => parseFaults('throttle:0')).toThrow(/above 0/);
    expect(() => parseFaults('battery-low:150')).toThrow(/0 to 100/);
  });

  it('can be switched on and off while running', () => {
    const s = new FaultSet([{ kind: 'decline' }]);
    expect(s.has('decline')).toBe(true);
    s.clear('decline');
    s.set({ kind: 'battery-low', percent: 3 });
    expect(s.has('decline')).toBe(false);
    expect(s.get('battery-low')?.percent).toBe(3);
  });

  it('the throttle paces bytes to the line rate on its clock (10 bits a byte)', async () => {
    let now = 0;
    const slept: number[] = [];
    const t = new ByteThrottle(9600, () => now, async (ms) => {
      slept.push(ms);
      now += ms;
    });
    await t.take(9600); // 9600 baud = 960 bytes/s: 9600 bytes need 10 s of line time
    expect(now).toBeGreaterThanOrEqual(9_900);
    expect(now).toBeLessThanOrEqual(10_100);
  });
});

describe('scripted user', () => {
  it('answers from the queue, then by policy, with the DM status codes', async () => {
    const user = new ScriptedUser({ answers: ['no', 'cancel', 'timeout'], policy: 'yes' });
    const agent = new UserAgent(user, new VoiceCall());
    expect((await agent.interact(confirm())).status).toBe(304);
    expect((await agent.interact(confirm())).status).toBe(214);
    expect((await agent.interact(confirm())).status).toBe(408);
    expect((await agent.interact(confirm())).status).toBe(200);
    expect((await agent.interact({ code: 1100, options: {}, text: 'Done', choices: [] })).status).toBe(200);
    expect(agent.prompts.map((p) => p.answer)).toEqual(['no', 'cancel', 'timeout', 'yes', 'shown']);
  });

  it('gives text and choices for 1102-1104 and 406 without a UI', () => {
    const user = new ScriptedUser({ textAnswer: 'hello', choices: [2, 3] });
    expect(replyFor({ code: 1102, options: {}, text: 'Name?', choices: [] }, 'yes', user)).toEqual({ status: 200, data: ['hello'] });
    expect(replyFor({ code: 1103, options: {}, text: 'Pick', choices: ['a', 'b', 'c'] }, 'yes', user)).toEqual({ status: 200, data: ['2'] });
    expect(replyFor({ code: 1104, options: {}, text: 'Pick', choices: ['a', 'b', 'c'] }, 'yes', user)).toEqual({ status: 200, data: ['2', '3'] });
    expect(replyFor(confirm(), 'no-ui', user)).toEqual({ status: 406 });
  });
});

describe('voice call', () => {
  it('holds a question until the call ends and never ends the call itself', async () => {
    const call = new VoiceCall();
    const user = new ScriptedUser({ policy: 'yes' });
    // The user is asked only once the call is over, however long the call lasts.
    const askedDuringCall: boolean[] = [];
    const ask = user.ask.bind(user);
    user.ask = (alert) => {
      askedDuringCall.push(call.active);
      return ask(alert);
    };
    const agent = new UserAgent(user, call);
    call.start();
    const pending = agent.interact(confirm('Update now?'));
    expect(agent.held).toBe(1);
    expect(call.active).toBe(true);
    call.end();
    expect((await pending).status).toBe(200);
    expect(askedDuringCall).toEqual([false]);
    expect(agent.prompts[0]?.heldForCall).toBe(true);
    expect(call.log.map((e) => e.event)).toEqual(['call-started', 'question-held', 'call-ended', 'question-released']);
    const calls = call.calls();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.interruptions).toBe(0);
    expect(calls[0]?.endedAt).toBeDefined();
  });

  it('answers timeout (408) when the call outlasts the alert MAXDT, the call still running', async () => {
    const call = new VoiceCall();
    const timers: (() => void)[] = [];
    const agent = new UserAgent(new ScriptedUser({ policy: 'yes' }), call, {
      setTimeout: (fn) => timers.push(fn),
      clearTimeout: () => undefined,
    });
    call.start();
    const pending = agent.interact(confirm('Update now?', { MAXDT: '30' }));
    await Promise.resolve();
    expect(timers).toHaveLength(1);
    timers[0]!();
    expect((await pending).status).toBe(408);
    expect(call.active).toBe(true);
  });
});
