// The in-process event bus: features publish domain events (anomalies, rotations, secret changes);
// subscribers (alerting sinks, SDK push, metrics) listen. Listeners never break the publisher.
import { EventEmitter } from 'node:events';

export interface DomainEvent {
  type: string; // e.g. anomaly.detected, secret.rotated
  time: string;
  tenant: string;
  data: Record<string, unknown>;
  /** Set when another server (replica) published it and the change feed relayed it here: deliver it
   *  to this server's subscribers (event streams), but do not act on it again (sync, alerts). */
  replica?: string;
  /** Set when the publisher already sent the event to the other replicas, in the transaction of its
   *  change (ChangeFeed.relayInTransaction): the bus's relay skips it. */
  relayed?: boolean;
}

export const createEventBus = () => {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(1000);
  return {
    publish(event: DomainEvent) {
      for (const l of emitter.listeners('event')) {
        try {
          (l as (e: DomainEvent) => void)(event);
        } catch {
          /* a broken subscriber must not break the publisher */
        }
      }
    },
    subscribe(listener: (e: DomainEvent) => void): () => void {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
  };
};

export type EventBus = ReturnType<typeof createEventBus>;
