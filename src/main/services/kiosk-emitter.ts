/** Node's EventEmitter typed with the KioskApi's events (name and payload checked together). */
import { EventEmitter } from 'node:events';
import type { KioskEventListener, KioskEventName } from '../../shared/api';

export class KioskEmitter extends EventEmitter {
  override on<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override off<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}
