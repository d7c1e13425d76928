/**
 * zod without its eval-compiled parsers: it probes `new Function` at the first parse, which a
 * strict Content-Security-Policy (no 'unsafe-eval') reports as a violation even though zod
 * catches it. Imported first by the page's and the worker's entry points.
 */
import { config } from 'zod';

config({ jitless: true });
