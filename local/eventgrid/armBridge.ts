/**
 * Wires a source of resource notifications (the ARM emulator's `onResourceEvent`) to the publisher, the way a
 * subscription's system topic receives ARM's operations in Azure.
 */
import type { ResourceNotification } from './notification';
import type { EventGridPublisher } from './publisher';

export interface ResourceNotificationSource {
  onResourceEvent(listener: (notification: ResourceNotification) => void): () => void;
}

/** Publishes every notification of `source`; returns the function that detaches it. */
export function publishResourceEvents(
  source: ResourceNotificationSource,
  publisher: Pick<EventGridPublisher, 'publish'>,
  log: (line: string) => void = (line) => console.warn(line),
): () => void {
  return source.onResourceEvent((notification) => {
    try {
      publisher.publish(notification);
    } catch (error) {
      // A notification the publisher refuses must be visible, but must not break the emulator's answer path.
      log(`[eventgrid] could not publish ${notification.operationName} on ${notification.resourceUri}: ${(error as Error).message}`);
    }
  });
}
