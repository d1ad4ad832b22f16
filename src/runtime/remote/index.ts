export { RemoteModel, UpstreamError, type RemoteOptions } from "./model.ts";
export { sseData } from "./sse.ts";
