/**
 * What the provider does for one resource type, in the shape of Pulumi's CRUD calls (inputs and outputs are
 * plain values: secrets arrive unwrapped and the engine re-marks secret outputs from the resource options).
 */
export interface ResourceHandler<I, O> {
  create(inputs: I): Promise<{ id: string; outs: O }>;
  /** Refresh: what Railway has now; an empty id means the resource is gone. */
  read(id: string, props?: O): Promise<{ id: string; props?: O; inputs?: I }>;
  diff(id: string, olds: O, news: I): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }>;
  update?(id: string, olds: O, news: I): Promise<{ outs: O }>;
  delete(id: string, props: O): Promise<void>;
}
