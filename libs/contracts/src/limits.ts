/** Hard bounds on what one message may carry; larger input is rejected with a clear error. */
export const LIMITS = {
  /** Items (samples, activations) in one batch. */
  maxBatchItems: 4096,
  /** Width of one vector. */
  maxVectorDim: 16_384,
  /** Layers in one ActivationBatch. */
  maxLayers: 256,
  /** Bytes of one encoded message on the bus. */
  maxMessageBytes: 16 * 1024 * 1024,
  /** Length of ids (event, subject, item). */
  maxIdLength: 256,
  /** Flagged item ids one alert lists (the count beyond travels with them). */
  maxFlaggedItemIds: 1000,
  /** Bytes of an alert's JSON evidence. */
  maxEvidenceBytes: 64 * 1024,
} as const;
