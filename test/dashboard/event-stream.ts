import type { BoardMessage } from '../../src/dashboard/board.js';

export interface Received {
  readonly kind: 'full' | 'update';
  readonly message: BoardMessage;
}

/**
 * Listen to a dashboard's server-sent events as a page does, until `done` says
 * so; resolves to every event received, in order. `query` is the stream's (`?run=2`).
 */
export async function listen(url: string, done: (received: Received[]) => boolean, onOpen?: () => void, query = ''): Promise<Received[]> {
  const controller = new AbortController();
  const response = await fetch(`${url}api/events${query}`, { signal: controller.signal });
  if (!response.ok || !response.body) throw new Error(`GET /api/events answered ${response.status}`);
  onOpen?.();
  const received: Received[] = [];
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const kind = /^event: (\w+)$/m.exec(block)?.[1] as Received['kind'];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (kind && data) received.push({ kind, message: JSON.parse(data) as BoardMessage });
      }
      if (done(received)) break;
    }
  } finally {
    controller.abort();
  }
  return received;
}
