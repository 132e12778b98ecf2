// Incremental parser of the text/event-stream format (WHATWG HTML, "event stream
// interpretation"): feed it decoded text in any chunking; it calls onEvent per complete event.
// `data` is parsed as JSON when it is JSON, else left as text. Pure: no I/O.

export interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
}

export function createSseParser(onEvent: (e: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  let pendingCr = false;
  return (chunk: string) => {
    if (pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    pendingCr = chunk.endsWith('\r');
    buffer += chunk.replace(/\r\n?/g, '\n');
    let sep: number;
    while ((sep = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, sep);
      buffer = buffer.slice(sep + 2);
      let event = 'message';
      let id: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (name === 'event') event = value;
        else if (name === 'data') data.push(value);
        else if (name === 'id') id = value;
      }
      if (data.length === 0) continue;
      const text = data.join('\n');
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      onEvent(id === undefined ? { event, data: parsed } : { event, data: parsed, id });
    }
  };
}
