"""PyTorch side of `npm run bench`: the same models and recipe as Squish (shared/benchmarks/peers.md),
on the images bench/engine.ts writes, one thread. Prints one JSON object on stdout: samples/s by wall
time and by this process's CPU time (steadier when other jobs share the cores).

    /usr/bin/python3 bench/pytorch/engine.py TRAIN.bin TEST.bin --train-count 4096,1024 --warmup 1024 --seed 0

*.bin: uint32 count, then count*784 float32 images (0..1, row-major 28x28), then count uint8 labels.
"""
import argparse
import json
import struct
import time

import numpy as np
import torch
from torch import nn


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def bigcnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


MODELS = {'lenet5': lenet5, 'bigcnn': bigcnn}


def load(path):
    with open(path, 'rb') as f:
        (count,) = struct.unpack('<I', f.read(4))
        images = np.frombuffer(f.read(count * 784 * 4), dtype='<f4').reshape(count, 1, 28, 28)
        labels = np.frombuffer(f.read(count), dtype=np.uint8).astype(np.int64)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels)


def epoch(model, opt, x, y, seed):
    """One shuffled epoch, batch 64: gathering + forward + backward + Adam step, as fitModel does."""
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    for start in range(0, len(x), 64):
        idx = perm[start:start + 64]
        opt.zero_grad()
        loss_fn(model(x[idx]), y[idx]).backward()
        opt.step()


def train_rate(build, x, y, seed, warmup):
    torch.manual_seed(seed)
    model = build()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(model, opt, x[:warmup], y[:warmup], seed)  # warm-up, as the Squish side does
    wall, cpu = time.perf_counter(), time.process_time()
    epoch(model, opt, x, y, seed)
    return {'wall': len(x) / (time.perf_counter() - wall), 'cpu': len(x) / (time.process_time() - cpu)}


def infer_rate(build, x, passes):
    """Best of `passes` timed passes over x in batches of 256, after one warm-up pass."""
    model = build().eval()
    best = {'wall': float('inf'), 'cpu': float('inf')}
    with torch.no_grad():
        for i in range(passes + 1):
            wall, cpu = time.perf_counter(), time.process_time()
            for start in range(0, len(x), 256):
                model(x[start:start + 256])
            if i > 0:
                best = {'wall': min(best['wall'], time.perf_counter() - wall), 'cpu': min(best['cpu'], time.process_time() - cpu)}
    return {k: len(x) / v for k, v in best.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('train')
    p.add_argument('test')
    p.add_argument('--train-count', required=True, help='samples per model, comma-separated in MODELS order')
    p.add_argument('--passes', type=int, default=3)
    p.add_argument('--warmup', type=int, default=1024, help='training samples before the timed epoch')
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x, y = load(args.train)
    x_test, _ = load(args.test)
    out = {'version': torch.__version__, 'threads': torch.get_num_threads(), 'models': {}}
    for (name, build), n in zip(MODELS.items(), map(int, args.train_count.split(','))):
        out['models'][name] = {
            'train': train_rate(build, x[:n], y[:n], args.seed, args.warmup),
            'infer': infer_rate(build, x_test, args.passes),
        }
    print(json.dumps(out))


if __name__ == '__main__':
    main()
