import { Hono } from 'hono'
import type { AppEnv } from '../context'

/** Groups and their memberships: filled in by the admin API work (issue 4). */
export const groupRoutes = new Hono<AppEnv>()
