"""One training step (forward, backward, Adam) in PyTorch, timed: the PyTorch
side of `GSA_BENCH=pytorch pnpm bench` (bench/pytorch.bench.ts), with the
same layers and batch as gsa's side. Prints one JSON line.

    python3 pytorch_steps.py CASE SIZE BATCH THREADS STEPS
    CASE: vgg-style | smallcnn | resnet18
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
    if case == 'resnet18':
        import torchvision
        return torchvision.models.resnet18(num_classes=CLASSES)
    raise SystemExit(f'unknown case {case}')


def main():
    case, size, batch, threads, steps = sys.argv[1], *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = model_for(case, size)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    images = torch.rand(batch, 3, size, size)
    labels = torch.arange(batch) % CLASSES

    def step():
        optimizer.zero_grad()
        loss = loss_function(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        'case': case, 'threads': torch.get_num_threads(), 'torch': torch.__version__,
        'medianMs': statistics.median(times), 'minMs': min(times),
    }))


if __name__ == '__main__':
    main()
