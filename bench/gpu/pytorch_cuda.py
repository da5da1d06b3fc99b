"""PyTorch CUDA figures beside bench/gpu/run-on-device.sh's webgpu ones: LeNet-5 and BigCNN training and
inference samples/s on the GPU, with the models of bench/pytorch/engine.py and the recipe of `npm run
bench` (Adam 1e-3, batch 64, one shuffled epoch after a 128-sample warm-up; inference in batches of 256,
best of 3 passes after a warm-up). Images are random and MNIST-shaped: speed does not depend on pixel
values. Median of --runs runs. Prints one JSON object on stdout.

    python3 bench/gpu/pytorch_cuda.py [--runs 3] [--train-count 8000,4096] [--infer-count 2000]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'pytorch'))
from engine import MODELS  # noqa: E402  (the same nn.Sequential definitions as the CPU comparison)


def epoch(model, opt, x, y, seed):
    """One shuffled epoch on the GPU; the clock stops only once the GPU has finished (synchronize)."""
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed)).to(x.device)
    for start in range(0, len(x), 64):
        idx = perm[start:start + 64]
        opt.zero_grad()
        loss_fn(model(x[idx]), y[idx]).backward()
        opt.step()
    torch.cuda.synchronize()


def train_rate(build, x, y, seed):
    torch.manual_seed(seed)
    model = build().cuda()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(model, opt, x[:128], y[:128], seed)  # warm-up: cuDNN algorithm choice, allocator
    started = time.perf_counter()
    epoch(model, opt, x, y, seed)
    return len(x) / (time.perf_counter() - started)


def infer_rate(build, x, passes=3):
    model = build().cuda().eval()
    best = float('inf')
    with torch.no_grad():
        for i in range(passes + 1):
            started = time.perf_counter()
            for start in range(0, len(x), 256):
                model(x[start:start + 256])
            torch.cuda.synchronize()
            if i > 0:
                best = min(best, time.perf_counter() - started)
    return len(x) / best


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--runs', type=int, default=3)
    p.add_argument('--train-count', default='8000,4096', help='samples per model, comma-separated in MODELS order')
    p.add_argument('--infer-count', type=int, default=2000)
    args = p.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({'available': False, 'reason': f'torch {torch.__version__} sees no CUDA device'}))
        return
    counts = [int(n) for n in args.train_count.split(',')]
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(max(counts), 1, 28, 28, generator=gen).cuda()
    y = torch.randint(0, 10, (max(counts),), generator=gen).cuda()
    x_test = torch.rand(args.infer_count, 1, 28, 28, generator=gen).cuda()
    models = {}
    for (name, build), n in zip(MODELS.items(), counts):
        train = [train_rate(build, x[:n], y[:n], run) for run in range(args.runs)]
        infer = [infer_rate(build, x_test) for _ in range(args.runs)]
        models[name] = {
            'train_samples': n,
            'train_samples_per_s': {'median': round(statistics.median(train)), 'runs': [round(r) for r in train]},
            'infer_samples_per_s': {'median': round(statistics.median(infer)), 'runs': [round(r) for r in infer]},
        }
        print(f'pytorch cuda {name}: train {models[name]["train_samples_per_s"]["median"]}/s, '
              f'infer {models[name]["infer_samples_per_s"]["median"]}/s', file=sys.stderr)
    print(json.dumps({
        'available': True,
        'torch': torch.__version__,
        'cuda': torch.version.cuda,
        'device': torch.cuda.get_device_name(0),
        # Defaults left as users get them: cuDNN convolutions may use TF32; WebGPU computes in fp32.
        'cudnn_allow_tf32': torch.backends.cudnn.allow_tf32,
        'matmul_allow_tf32': torch.backends.cuda.matmul.allow_tf32,
        'runs': args.runs,
        'models': models,
    }, indent=2))


if __name__ == '__main__':
    main()
