/**
 * Multiple messages in one package (DM protocol 2.1): fills one message at a time with the
 * statuses owed to the peer first, then as many queued commands as fit the peer's MaxMsgSize.
 * A command never straddles messages (large objects are chunked by ./large-object instead).
 * CmdIDs are numbered from 1 in each message, in order; the caller keeps (MsgID, CmdID) of
 * each placed command to correlate the peer's Status/Results by MsgRef/CmdRef later.
 * Final is set only on the message that empties the queue and the owed statuses (and only when
 * the caller allows it); with `rest: 'next-package'` queued commands left over do not hold it back
 * once at least one of them went. A command too large for any message is CommandTooLargeError.
 */
import type { MessageSizer } from './large-object';
import type { Command, Encoding, SyncHdr, SyncMLMessage } from './model';

export interface PackRequest {
  header: SyncHdr;
  /** Statuses (and Results) owed to the peer: they go first, in order. */
  owed: Command[];
  /** Commands queued for this package, in order; the packer takes a prefix. */
  queue: Command[];
  /** Commands that must ride in this message whatever (e.g. Alert 1222), after the owed ones. */
  always?: Command[];
  /** Peer's MaxMsgSize; undefined = no limit. */
  maxMsgSize?: number;
  encoding: Encoding;
  /** May this message close the package when the queue empties? */
  mayBeFinal: boolean;
  /**
   * Queued commands that do not fit may wait for a later package: the message is Final as soon
   * as the owed statuses are all placed (DM protocol 2.1: a server sends each package of new
   * commands in one message, and the rest only after the client's statuses for these).
   */
  rest?: 'next-message' | 'next-package';
  sizer: MessageSizer;
}

export interface PackedMessage {
  message: SyncMLMessage;
  /** How many of `owed` went into this message. */
  owedTaken: number;
  /** How many of `queue` went into this message. */
  queueTaken: number;
  /** The queued commands placed, with the CmdID each received. */
  placed: Array<{ command: Command; cmdID: string }>;
}

/** Thrown when one command cannot fit in an otherwise empty message. */
export class CommandTooLargeError extends Error {
  constructor(
    readonly kind: string,
    readonly maxMsgSize: number,
  ) {
    super(`a ${kind} command does not fit in a message of ${maxMsgSize} bytes`);
    this.name = 'CommandTooLargeError';
  }
}

function numbered(commands: Command[], start: number): Command[] {
  return commands.map((c, i) => ({ ...c, cmdID: String(start + i) }));
}

function build(req: PackRequest, owedN: number, queueN: number, final: boolean): SyncMLMessage {
  const cmds = [...req.owed.slice(0, owedN), ...(req.always ?? []), ...req.queue.slice(0, queueN)];
  return { header: req.header, body: numbered(cmds, 1), final };
}

/** Does `command` fit a message with nothing else in it (no owed statuses, no extras)? */
function fitsAlone(req: PackRequest, command: Command): boolean {
  if (req.maxMsgSize === undefined) return true;
  return req.sizer({ header: req.header, body: numbered([command], 1), final: true }, req.encoding) <= req.maxMsgSize;
}

export function packMessage(req: PackRequest): PackedMessage {
  const max = req.maxMsgSize;
  const fits = (o: number, q: number): boolean =>
    max === undefined || req.sizer(build(req, o, q, true), req.encoding) <= max;
  let owedN = req.owed.length;
  let queueN = req.queue.length;
  if (!fits(owedN, queueN)) {
    // Greedy: owed entries first, then queued commands, one at a time.
    owedN = 0;
    while (owedN < req.owed.length && fits(owedN + 1, 0)) owedN++;
    queueN = 0;
    if (owedN === req.owed.length) while (queueN < req.queue.length && fits(owedN, queueN + 1)) queueN++;
    if (owedN === 0 && queueN === 0 && (req.owed.length > 0 || req.queue.length > 0)) {
      const first = req.owed[0] ?? req.queue[0];
      throw new CommandTooLargeError(first?.kind ?? 'command', max ?? 0);
    }
    // A queued command that would not fit even a message of its own never goes: say so now,
    // rather than sending the owed statuses alone and waiting for a message that cannot come.
    if (queueN === 0 && req.queue.length > 0 && !fitsAlone(req, req.queue[0]!)) {
      throw new CommandTooLargeError(req.queue[0]!.kind, max ?? 0);
    }
  }
  // Final only once every queued command has gone out, or (next-package) once at least one did:
  // a message of owed statuses alone leaves the package open for the commands still to come,
  // since a final package without commands would end the session (DM protocol 2.1).
  const queueDone = queueN === req.queue.length || (req.rest === 'next-package' && queueN > 0);
  const final = req.mayBeFinal && queueDone && owedN === req.owed.length;
  const message = build(req, owedN, queueN, final);
  const offset = owedN + (req.always?.length ?? 0);
  const placed = req.queue.slice(0, queueN).map((command, i) => ({ command, cmdID: message.body[offset + i]!.cmdID }));
  return { message, owedTaken: owedN, queueTaken: queueN, placed };
}
