"""The experiment steps of scripts/bench/experiments.ts in PyTorch, one thread, for ratios
measured in one run on one machine. Prints a JSON list of {name, backend, threads, batchSize,
msPerStep} (median of timed steps after a warm-up). Random inputs of each experiment's shape;
NCHW here, NHWC in ours: the arithmetic is the same. `--only NAME` times that experiment's step alone
(the bench calls it right after timing ours, so that both see the machine in the same state).

Debian's python3-torch links the reference BLAS; for a fair peer point LD_LIBRARY_PATH at
OpenBLAS (see README, "CPU speed"). Usage: /usr/bin/python3 scripts/bench/pytorch_steps.py [--quick] [--only NAME]
"""
import json
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)
QUICK = "--quick" in sys.argv
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None


def uva_convnet():
    """UvA practical 1 Table 1: conv3×3 pad 1 + BatchNorm + ReLU blocks, 3×3/2 pad 1 max-pools, 512→10."""
    layers, c = [], 1
    for entry in [64, "pool", 128, "pool", 256, 256, "pool", 512, 512, "pool", 512, 512, "pool"]:
        if entry == "pool":
            layers.append(nn.MaxPool2d(3, 2, 1))
        else:
            layers += [nn.Conv2d(c, entry, 3, 1, 1), nn.BatchNorm2d(entry), nn.ReLU()]
            c = entry
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512, 10))


def basics_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Linear(1024, 10))


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def small_net():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(8 * 14 * 14, 64), nn.ReLU(), nn.Linear(64, 10))


def readme_cnn():
    """The README's Keras-style example (examples/keras_mnist.ts)."""
    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 5), nn.ReLU(), nn.MaxPool2d(2)]
    return nn.Sequential(*block(1, 16), *block(16, 32), nn.Flatten(), nn.Linear(512, 10))


def plain_step(model, opt, n):
    x, y = torch.rand(n, 1, 28, 28), torch.arange(n) % 10
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def pgd10_step(model, opt, n, eps=0.3, alpha=0.075, steps=10):
    """Madry et al.'s PGD from a random start in the ε-ball, then one Adam step on the result."""
    x, y = torch.rand(n, 1, 28, 28), torch.arange(n) % 10
    loss_fn = nn.CrossEntropyLoss()

    def step():
        adv = (x + torch.empty_like(x).uniform_(-eps, eps)).clamp(0, 1)
        for _ in range(steps):
            adv.requires_grad_(True)
            grad, = torch.autograd.grad(loss_fn(model(adv), y), adv)
            adv = torch.min(torch.max(adv.detach() + alpha * grad.sign(), x - eps), x + eps).clamp(0, 1)
        opt.zero_grad()
        loss_fn(model(adv), y).backward()
        opt.step()
    return step


def median_ms(step, budget_s):
    step()
    times, started = [], time.perf_counter()
    while len(times) < 30 and (len(times) < 3 or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return sorted(times)[len(times) // 2]


def adam(lr):
    return lambda model: torch.optim.Adam(model.parameters(), lr)


def main():
    # name, batch, model, optimiser, step; each built only when timed
    benches = [
        ("uva-convnet", 32, lambda: uva_convnet().train(), adam(1e-4), plain_step),
        ("basics-cnn", 32, basics_cnn, lambda m: torch.optim.SGD(m.parameters(), 0.01), plain_step),
        ("adversarial-pgd10", 64, lenet, adam(1e-3), pgd10_step),
        ("cnn-scratch", 50, small_net, lambda m: torch.optim.Adagrad(m.parameters(), 0.01), plain_step),
        ("readme-cnn", 64, readme_cnn, adam(1e-3), plain_step),
    ]
    rows = []
    for name, batch, build, optimiser, step_of in benches:
        # One PyTorch step stands for both cnn-scratch twins (the same math).
        names = [f"{name}-autodiff", f"{name}-handwritten"] if name == "cnn-scratch" else [name]
        if ONLY is not None and ONLY not in names:
            continue
        model = build()
        ms = median_ms(step_of(model, optimiser(model), batch), 1 if QUICK else 4)
        for n in names:
            if ONLY is None or n == ONLY:
                rows.append({"name": n, "backend": "pytorch", "threads": 1, "batchSize": batch, "msPerStep": ms})
    print(json.dumps(rows))


main()
