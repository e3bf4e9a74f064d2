/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { layeredLayout } from './layeredLayout';

// Layout runs here so that laying out a 2,000-layer model never blocks the page.
Comlink.expose({ layout: layeredLayout });
