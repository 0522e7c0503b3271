import { Hono } from 'hono'
import type { AppEnv } from '../context'

/** Declared models: filled in by the admin API work (issue 4). */
export const declaredModelRoutes = new Hono<AppEnv>()
