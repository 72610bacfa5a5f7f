/** updateRequestOf: the phone's own request for an update (user or device request), in package 1 or later. */
import { describe, expect, it } from 'vitest';
import { updateRequestOf } from '../../../src/core/fumo/update-request';
import type { GenericAlert } from '../../../src/core/session/api';

const PREFIX = 'org.openmobilealliance.dm.firmwareupdate.';
const session = (hello: GenericAlert[], later: GenericAlert[] = []) => ({ hello: { genericAlerts: hello }, genericAlerts: later });

describe('updateRequestOf', () => {
  it('finds a user request in package 1 and a device request later in the session', () => {
    expect(updateRequestOf(session([{ type: `${PREFIX}userrequest` }]))?.type).toBe(`${PREFIX}userrequest`);
    expect(updateRequestOf(session([], [{ type: `${PREFIX}DeviceRequest` }]))?.type).toBe(`${PREFIX}DeviceRequest`);
  });

  it('a FUMO result or another alert is no request', () => {
    expect(updateRequestOf(session([{ type: `${PREFIX}download`, data: '200' }], [{ type: 'com.example.userrequest' }]))).toBeUndefined();
    expect(updateRequestOf(session([]))).toBeUndefined();
  });
});
