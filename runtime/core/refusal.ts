/**
 * A failure the user can fix, whose message is the one sentence saying how (for example a data
 * folder that another process holds). Start-up code prints that sentence instead of a stack. It is
 * declared in core so the layer that throws it (db) and the one that reports it (service) need not
 * know each other.
 */
export class Refusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Refusal';
  }
}
