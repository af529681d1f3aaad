// The one error this module throws at callers: a pattern AWS would refuse.

/** Thrown for a pattern AWS would refuse; message mirrors AWS's InvalidEventPatternException text where known. */
export class InvalidEventPatternError extends Error {
  override name = 'InvalidEventPatternError';
  /** The AWS error code the API layer answers with. */
  readonly code = 'InvalidEventPatternException';
  /** AWS's reason alone, without the "Event pattern is not valid." preamble. */
  readonly reason: string;

  /**
   * `location`: where AWS's parser stood, as its message ends (`\n at [Source: ...]`, see compile.ts), when AWS's
   * message has one.
   */
  constructor(reason: string, options?: { cause?: unknown; location?: string }) {
    super(`Event pattern is not valid. Reason: ${reason}${options?.location ?? ''}`, options);
    this.reason = reason;
  }
}
