/**
 * A phone that asks for an update itself sends a Generic Alert whose type ends in
 * firmwareupdate.userrequest (the user asked on the phone) or firmwareupdate.devicerequest (the
 * phone's own policy asked), in its package 1 or later in the session.
 */
import type { GenericAlert } from '../session/api';

const UPDATE_REQUEST_TYPE = /firmwareupdate\.(userrequest|devicerequest)$/i;

/** The parts of a session that carry the phone's generic alerts. */
export interface AlertsOfSession {
  readonly hello: { readonly genericAlerts: readonly GenericAlert[] };
  readonly genericAlerts: readonly GenericAlert[];
}

/** The phone's request for an update in this session, if it sent one. */
export function updateRequestOf(session: AlertsOfSession): GenericAlert | undefined {
  return [...session.hello.genericAlerts, ...session.genericAlerts].find((a) => UPDATE_REQUEST_TYPE.test(a.type));
}
