/** The label set of one (service, method, code). */
export interface CallLabels {
  readonly service: string;
  readonly method: string;
  readonly code: string;
}

/**
 * Label objects by service, method and code, made once each: a call's metrics then allocate nothing. The
 * number of entries is bounded by the services' methods times their outcomes.
 */
export class LabelCache {
  private readonly services = new Map<string, Map<string, Map<string, CallLabels>>>();

  get(service: string, method: string, code: string): CallLabels {
    let methods = this.services.get(service);
    if (methods === undefined) this.services.set(service, (methods = new Map()));
    let codes = methods.get(method);
    if (codes === undefined) methods.set(method, (codes = new Map()));
    let labels = codes.get(code);
    if (labels === undefined) codes.set(code, (labels = Object.freeze({ service, method, code })));
    return labels;
  }
}
