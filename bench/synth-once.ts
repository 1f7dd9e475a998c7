// One cold synth in a fresh process, for bench/synth.ts: `tsx bench/synth-once.ts bare|full DIR`.
import { synthBareVpcApp, synthFullApp } from './synth-apps.js';

const [which, outdir = 'cdk.out'] = process.argv.slice(2);
if (which === 'bare') synthBareVpcApp(outdir);
else synthFullApp(outdir);
