export { NativeModel } from "./model.ts";
export { StopMatcher } from "./stops.ts";
