/** Trials on the coupled-channel nets of `nets.ts` (residual Adds, depthwise-separable blocks, a Concatenate). */
import { mnistTrial } from './mnist.js';
import { buildConcatNet, buildMobileNet, buildResNet } from './nets.js';

export const mnistResNet = mnistTrial('mnist-resnet', 'Small ResNet (two residual Adds, BatchNorm) on the built-in MNIST split', 1, (seed) => buildResNet({ seed }));
export const mnistMobileNet = mnistTrial('mnist-mobilenet', 'Small MobileNet (depthwise-separable blocks) on the built-in MNIST split', 1, (seed) => buildMobileNet({ seed }));
export const mnistConcatNet = mnistTrial('mnist-concat', 'Two conv branches joined by a Concatenate on the built-in MNIST split', 1, (seed) => buildConcatNet({ seed }));
