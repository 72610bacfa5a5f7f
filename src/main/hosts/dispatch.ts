/**
 * What both hosts do with a request from the renderer and with an event from the backend:
 * check the method name, parse the argument with its schema, call the backend, return a Result
 * (never throw); forward every backend event. Shared so the Electron and web hosts behave alike.
 */
import {
  KIOSK_EVENT_NAMES,
  fail,
  invokeMethod,
  isKioskMethod,
  adminAct,
  refusal,
  type KioskBackend,
  type KioskConnection,
  type KioskEventMessage,
  type KioskEventName,
  type Result,
} from '../../shared/api';
import { EVENT_SCHEMAS, METHOD_SCHEMAS } from '../../shared/schemas';

export interface DispatchOptions {
  /** Also check what the backend returns and emits against the contract; report mismatches (tests, demo). */
  checkOutgoing?: boolean;
  /** Where contract mismatches are reported. */
  warn?: (message: string) => void;
}

function summarizeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Validate and run one request of one screen. Unknown methods and invalid arguments become
 * INVALID_REQUEST; a method the screen may not call (METHOD_ACCESS) is refused before its
 * arguments are even read.
 */
export async function dispatchRequest(
  connection: KioskConnection,
  method: unknown,
  params: unknown,
  options: DispatchOptions = {},
): Promise<Result<unknown>> {
  if (!isKioskMethod(method))
    return fail('INVALID_REQUEST', {
      detail: `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`,
    });
  const refused = refusal(method, connection.access());
  if (refused) {
    const who = connection.access();
    return fail(refused.code, { detail: refused.code === 'ADMIN_REQUIRED' ? adminAct(method) : method, required: refused.needed, measured: who.role ?? who.capability });
  }
  const schema = METHOD_SCHEMAS[method];
  const parsed = schema.params.safeParse(params);
  if (!parsed.success)
    return fail('INVALID_REQUEST', { detail: `${method}: ${summarizeIssues(parsed.error.issues)}` });
  const result = await invokeMethod(connection, method, parsed.data);
  if (options.checkOutgoing && result.ok) {
    const check = schema.result.safeParse(result.value);
    if (!check.success)
      (options.warn ?? console.warn)(`contract: ${method} returned ${summarizeIssues(check.error.issues)}`);
  }
  return result;
}

/** Forward every backend event to `listener`; returns the unsubscribe function. */
export function subscribeBackend(
  backend: KioskBackend,
  listener: (message: KioskEventMessage) => void,
  options: DispatchOptions = {},
): () => void {
  const handlers = KIOSK_EVENT_NAMES.map((event) => {
    const handler = (payload: unknown) => {
      if (options.checkOutgoing) {
        const check = EVENT_SCHEMAS[event].safeParse(payload);
        if (!check.success)
          (options.warn ?? console.warn)(`contract: event ${event} ${summarizeIssues(check.error.issues)}`);
      }
      listener({ event, payload } as KioskEventMessage);
    };
    backend.on(event, handler as never);
    return [event, handler] as const;
  });
  return () => {
    for (const [event, handler] of handlers) backend.off(event as KioskEventName, handler as never);
  };
}
