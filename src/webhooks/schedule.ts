/**
 * When a failed delivery is tried again: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (eight
 * attempts over about 27.6 h, as Svix does), then it is `failed`. A receiver that was down for a
 * day still gets every message once it is back.
 */
export const RETRY_DELAYS_S = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600] as const

/** Attempts a delivery gets in all: the first, then one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1

/** A subscription whose deliveries have failed without a success for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000

/**
 * When the next attempt is due after `attemptsMade` attempts, the last one at `lastAttemptAt`;
 * null once every attempt was made.
 */
export function nextAttemptAt(attemptsMade: number, lastAttemptAt: Date): Date | null {
  const delayS = RETRY_DELAYS_S[attemptsMade - 1]
  return delayS === undefined ? null : new Date(lastAttemptAt.getTime() + delayS * 1000)
}
