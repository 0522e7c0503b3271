import { Hono } from 'hono'
import type { AppEnv } from '../context'

/** Capability overrides: filled in by the admin API work (issue 4). */
export const capabilityOverrideRoutes = new Hono<AppEnv>()
