/**
 * Backend selection. `auto` prefers native TensorFlow when its binding is installed, then a GPU through
 * WebGPU (never a software adapter unless SQUISH_WEBGPU_ALLOW_SOFTWARE=1), else wasm.
 * A backend the user named is never replaced by a slower one: if it cannot start, we fail and say why.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError, InputError } from '../errors.js';
import { registerWasmTrainingKernels } from './wasm/register.js';
import { prepareWebGpu, webGpuUsable } from './webgpu.js';

export const BACKEND_NAMES = ['auto', 'wasm', 'webgpu', 'tensorflow', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
/** What a backend resolved to once started. */
export type ActiveBackend = Exclude<BackendName, 'auto'>;

/** The native bindings, in order of preference. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export const TENSORFLOW_INSTALL_HELP = [
  'The tensorflow backend needs @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1).',
  'Install one next to Squish:  npm install @tensorflow/tfjs-node@4.22.0',
  'Its install script downloads libtensorflow 2.9.1; where that download fails, point it at a copy you host:',
  '  TFJS_NODE_BASE_URI=https://your.mirror/libtensorflow- npm install @tensorflow/tfjs-node@4.22.0',
  'or install with --ignore-scripts, unpack libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz into',
  '  node_modules/@tensorflow/tfjs-node/deps  and run  npm rebuild @tensorflow/tfjs-node --build-from-source',
  'Or use --backend wasm, which works on any machine.',
].join('\n');

/** Picks the backend name from a CLI flag, then SQUISH_BACKEND, then `auto`. */
export function resolveBackendName(flag?: string, env: NodeJS.ProcessEnv = process.env): BackendName {
  const [raw, source] = flag !== undefined ? [flag, '--backend'] : [env.SQUISH_BACKEND ?? 'auto', 'SQUISH_BACKEND'];
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new InputError(`${source} must be one of ${BACKEND_NAMES.join(', ')}, but got '${raw}'`);
  }
  return raw as BackendName;
}

async function loadNativeBinding(): Promise<string | undefined> {
  for (const pkg of NATIVE_PACKAGES) {
    try {
      await import(pkg);
      return pkg;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Absent is expected; present but broken (e.g. a missing libtensorflow) must be reported.
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
        throw new BackendUnavailableError(`${pkg} is installed but failed to load: ${(err as Error).message}\n${TENSORFLOW_INSTALL_HELP}`);
      }
    }
  }
  return undefined;
}

async function activate(name: ActiveBackend, env: NodeJS.ProcessEnv): Promise<ActiveBackend> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
  }
  if (name === 'webgpu') await prepareWebGpu(env);
  const ok = await tf.setBackend(name);
  if (!ok) throw new BackendUnavailableError(`the ${name} backend failed to initialise`);
  await tf.ready();
  return name;
}

/** Starts the named backend and returns what it resolved to. `env` holds the SQUISH_WEBGPU_* settings. */
export async function initBackend(name: BackendName, env: NodeJS.ProcessEnv = process.env): Promise<ActiveBackend> {
  if (name === 'tensorflow' || name === 'auto') {
    const pkg = await loadNativeBinding();
    if (pkg !== undefined) return activate('tensorflow', env);
    if (name === 'tensorflow') {
      throw new BackendUnavailableError(`--backend tensorflow was asked for, but neither ${NATIVE_PACKAGES.join(' nor ')} is installed.\n${TENSORFLOW_INSTALL_HELP}`);
    }
    return activate((await webGpuUsable(env)) ? 'webgpu' : 'wasm', env);
  }
  return activate(name, env);
}
