"""One training step (forward, backward, Adam) in PyTorch, timed: the PyTorch
side of `GSA_BENCH=pytorch pnpm bench` (bench/pytorch.bench.ts), with the
same layers and batch as gsa's side. Prints one JSON line.

    python3 pytorch_steps.py CASE SIZE BATCH THREADS STEPS [DEVICE]
    CASE: vgg-style | smallcnn | a torchvision model name (resnet18, vgg16, resnet152, ...),
          a training step; conv | matmul, one forward kernel
    THREADS: CPU threads (0: PyTorch's default); DEVICE: cpu (default) or best (cuda if available)
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn

CLASSES = 3


def vgg_style():
    """gsa's VggStyleNet: conv 3x3 + ReLU + 2x2 max pool, 32-64-128-128, then one linear layer."""
    layers, channels = [], 3
    for width in [32, 64, 128, 128]:
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        channels = width
    return layers, channels


def model_for(case, size):
    if case == 'vgg-style':
        layers, channels = vgg_style()
        side = size // 16
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * side * side, CLASSES))
    if case == 'smallcnn':
        # gsa's smallcnn: conv 3x3 (no bias) + batch norm + ReLU blocks, a 2x2 max pool between
        # blocks, global average pooling, one linear layer.
        layers, channels = [], 3
        for index, width in enumerate([32, 64, 128, 128]):
            if index > 0:
                layers.append(nn.MaxPool2d(2))
            layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, CLASSES))
    import torchvision
    if not hasattr(torchvision.models, case):
        raise SystemExit(f'unknown case {case}')
    return getattr(torchvision.models, case)(num_classes=CLASSES)


def kernel_step(case, size, batch, device):
    """One forward kernel, no autograd: the conv and matmul cases."""
    if case == 'conv':
        images = torch.randn(batch, 64, size, size, device=device)
        filters = torch.randn(64, 64, 3, 3, device=device) * 0.1
        return lambda: torch.nn.functional.conv2d(images, filters, padding=1)[0, 0, 0, 0].item()
    a, b = torch.randn(1024, 1024, device=device), torch.randn(1024, 1024, device=device)
    return lambda: torch.mm(a, b)[0, 0].item()


def main():
    case, size, batch, threads, steps = sys.argv[1], *map(int, sys.argv[2:6])
    wanted = sys.argv[6] if len(sys.argv) > 6 else 'cpu'
    device = 'cuda' if wanted == 'best' and torch.cuda.is_available() else 'cpu'
    if threads > 0:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    if case in ('conv', 'matmul'):
        with torch.no_grad():
            report(case, kernel_step(case, size, batch, device), steps, device)
        return
    model = model_for(case, size).to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    images = torch.rand(batch, 3, size, size, device=device)
    labels = torch.arange(batch, device=device) % CLASSES

    def step():
        optimizer.zero_grad()
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    report(case, step, steps, device)


def report(case, step, steps, device):
    """Times `step` (each one ends in .item(), which waits for CUDA too)."""
    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        'case': case, 'threads': torch.get_num_threads(), 'torch': torch.__version__, 'device': device,
        'medianMs': statistics.median(times), 'minMs': min(times),
    }))


if __name__ == '__main__':
    main()
