import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/** Paths the API answers itself: never the console's index.html. */
const API_PATHS = /^\/(graphql|healthz|metrics)(\/|$)/;

/**
 * The built console (apps/console's `vite build` output) as static files, with index.html for any
 * other GET that asks for a page, so client routes (/incidents/…) open on reload or from a link.
 * Hashed assets are cached for a year; index.html never, so a new build is picked up at once.
 */
export function consoleStatic(dir: string): RequestHandler[] {
  const root = resolve(dir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) throw new Error(`console build not found: ${index} (run npx nx build console)`);
  const files = express.static(root, {
    index: false,
    setHeaders: (res, path) => {
      res.setHeader(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  const fallback = (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path) || !req.accepts('html')) {
      next();
      return;
    }
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  };
  const guarded: RequestHandler = (req, res, next) => {
    if (API_PATHS.test(req.path)) next();
    else void files(req, res, next);
  };
  return [guarded, fallback];
}
