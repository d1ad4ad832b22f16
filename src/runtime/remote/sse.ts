// Reads a Server-Sent Events body (as OpenAI-compatible servers stream) into the JSON of each `data:` line.
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  const reader = body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      // Events are separated by a blank line; each may hold several data: lines (joined by \n).
      while ((nl = buf.search(/\r?\n\r?\n/)) >= 0) {
        const event = buf.slice(0, nl);
        buf = buf.slice(nl).replace(/^\r?\n\r?\n/, "");
        const data = event.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
        if (data) yield data;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
