// The worker side of ThreadedLlamaCppModel: one LlamaCppModel, driven by messages. Each generation's
// parts go back as they are produced; an abort message stops the generation it names.
import { parentPort } from "node:worker_threads";
import { LlamaCppModel } from "./model.ts";
import { partToWire, toWire, type FromWorker, type ToWorker } from "./protocol.ts";

const port = parentPort!;
const send = (m: FromWorker) => port.postMessage(m);
let model: LlamaCppModel | undefined;
const running = new Map<number, AbortController>();

async function stream(m: Extract<ToWorker, { t: "stream" }>): Promise<void> {
  const ac = new AbortController();
  running.set(m.id, ac);
  try {
    for await (const part of model!.stream(m.input, { ...m.options, signal: ac.signal })) send({ t: "part", id: m.id, part: partToWire(part) });
  } catch (e) {
    send({ t: "part", id: m.id, part: { type: "error", error: toWire(e) } });
  } finally {
    running.delete(m.id);
  }
}

port.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "load":
      LlamaCppModel.load(m.path, m.opts).then(
        (loaded) => {
          model = loaded;
          send({ t: "loaded", contextSize: loaded.contextSize, slots: loaded.slots });
        },
        (e: unknown) => send({ t: "load-error", error: toWire(e) }),
      );
      break;
    case "stream":
      void stream(m);
      break;
    case "abort":
      running.get(m.id)?.abort();
      break;
    case "embed":
      model!.embed(m.texts).then(
        (result) => send({ t: "embedded", id: m.id, result }),
        (e: unknown) => send({ t: "embed-error", id: m.id, error: toWire(e) }),
      );
      break;
    case "dispose":
      for (const ac of running.values()) ac.abort();
      void (model?.dispose() ?? Promise.resolve()).finally(() => send({ t: "disposed" }));
      break;
  }
});
