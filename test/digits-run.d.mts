import type { FitOptions, NetworkOptions } from '../src/index.js';
export declare const DIGITS_RUN: { options: NetworkOptions; fit: FitOptions };
