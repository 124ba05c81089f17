/** What a stream detector reports after each observation. */
export interface ChangePointUpdate {
  /** 0-based index of the observation just processed. */
  readonly step: number;
  /** True on the step at which a change is declared. */
  readonly alarm: boolean;
  /** Estimated first step of the new regime (when alarm). */
  readonly changeStep?: number;
  /** Posterior probability of that change (BOCPD only). */
  readonly posterior?: number;
  readonly direction?: 'up' | 'down';
  /** The detector's running statistic (CUSUM sum, PH gap, or BOCPD change probability). */
  readonly statistic: number;
}
