#!/usr/bin/env python3
"""Opacus's DP-SGD step beside a plain torch SGD step, on the models `./dp4j bench` times.

The peer side of dp4j's speed targets (issue 12, item 5): the same architectures as dp4j's
built-in `tutorial-cnn` and `cifar-cnn` (same layer and parameter shapes; torch's NCHW layout),
random inputs of their shape, DP-SGD with the tutorial's clipping norm 1.5, noise multiplier 1.3
and learning rate 0.25, per-example clipping and Gaussian noise on every step. Poisson sampling is
off (fixed batches of --batch-size): the timing needs no privacy, and it keeps every step the same
size. dp4j times Poisson batches of that expected size.

Plain and every DP mode run in alternating rounds; each round times --steps steps after the
warm-up that followed the model's construction. Reported per mode, as medians over the rounds,
under the key names of `./dp4j bench --json`: dp_ms_per_step, nondp_ms_per_step, ratio (DP over
plain) and examples_per_s (batch size / DP step time); the top level repeats the fastest mode's.

Not part of the build. Install (see README.md): torch 2.13 CPU and Opacus 1.5.4 in a venv.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings

import torch
from torch import nn

L2_NORM_CLIP = 1.5
NOISE_MULTIPLIER = 1.3
LEARNING_RATE = 0.25

# Opacus 1.5.4's grad_sample_mode values: hooks (its per-layer grad samplers, the default),
# functorch (torch.func vmap for every layer), ew (torch's ExpandedWeights) and ghost (fast
# gradient clipping: two backward passes, norms without per-example gradients where a layer
# has a norm sampler: in 1.5.4 only Linear and Embedding, so convolutions still materialize them).
MODES = ("hooks", "functorch", "ew", "ghost")


def tutorial_cnn():
    """dp4j's tutorial-cnn = TF Privacy's tutorial CNN on 28x28x1; 26,010 parameters."""
    return nn.Sequential(
        # Keras "same" with stride 2 on 28: output 14, 6 rows of padding split 3 + 3
        nn.Conv2d(1, 16, 8, stride=2, padding=3),
        nn.ReLU(),
        nn.MaxPool2d(2, 1),  # 13
        nn.Conv2d(16, 32, 4, stride=2),  # valid: 5
        nn.ReLU(),
        nn.MaxPool2d(2, 1),  # 4
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 32),
        nn.ReLU(),
        nn.Linear(32, 10),
    )


def cifar_cnn():
    """dp4j's cifar-cnn = Tramer & Boneh's end-to-end CIFAR-10 CNN on 32x32x3; 307,498 parameters."""
    layers = []
    channels = 3
    for width in (32, 32, "pool", 64, 64, "pool", 128, 128, "pool"):
        if width == "pool":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.Tanh()]
            channels = width
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(128 * 4 * 4, 10))


# name -> (builder, input shape per example (C, H, W), default batch size, parameter count)
MODELS = {
    "tutorial-cnn": (tutorial_cnn, (1, 28, 28), 250, 26_010),
    "cifar-cnn": (cifar_cnn, (3, 32, 32), 256, 307_498),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def make_model(name):
    build, _, _, parameters = MODELS[name]
    model = build()
    count = sum(p.numel() for p in model.parameters())
    if count != parameters:
        raise SystemExit(f"{name}: built {count} parameters, dp4j's model has {parameters}")
    return model


class Step:
    """One model, optimizer and loss, ready to take training steps on one fixed batch."""

    def __init__(self, model, optimizer, criterion, x, y):
        self.model, self.optimizer, self.criterion, self.x, self.y = (
            model,
            optimizer,
            criterion,
            x,
            y,
        )

    def run(self, steps):
        if steps == 0:
            return 0.0
        start = time.perf_counter()
        for _ in range(steps):
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.criterion(self.model(self.x), self.y)
            loss.backward()
            self.optimizer.step()
        return (time.perf_counter() - start) * 1000 / steps


def plain_step(name, x, y):
    model = make_model(name)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    return Step(model, optimizer, nn.CrossEntropyLoss(), x, y)


def dp_step(name, mode, x, y):
    from opacus import PrivacyEngine

    model = make_model(name)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    # make_private wants a loader to read the batch size from; the steps reuse one batch
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x, y), batch_size=x.shape[0]
    )
    engine = PrivacyEngine()
    wrapped = engine.make_private(
        module=model,
        optimizer=optimizer,
        criterion=nn.CrossEntropyLoss(),
        data_loader=loader,
        noise_multiplier=NOISE_MULTIPLIER,
        max_grad_norm=L2_NORM_CLIP,
        poisson_sampling=False,
        grad_sample_mode=mode,
    )
    if mode == "ghost":
        model, optimizer, criterion, _ = wrapped
    else:
        model, optimizer, _ = wrapped
        criterion = nn.CrossEntropyLoss()
    return Step(model, optimizer, criterion, x, y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="tutorial-cnn")
    parser.add_argument("--batch-size", type=int, help="default: 250 tutorial-cnn, 256 cifar-cnn")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians kept)")
    parser.add_argument(
        "--warmup", type=int, default=5, help="untimed steps per model first (dp4j bench: 5)"
    )
    parser.add_argument(
        "--modes", default=",".join(MODES), help="grad_sample_modes, comma-separated"
    )
    parser.add_argument(
        "--threads", type=int, default=os.cpu_count(), help="torch threads (default: all cores)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on standard output")
    args = parser.parse_args()
    if args.steps < 1 or args.rounds < 1 or (args.batch_size is not None and args.batch_size < 1):
        parser.error("--steps, --rounds and --batch-size must be >= 1")
    if args.warmup < 0:
        parser.error("--warmup must be >= 0")
    modes = [m for m in args.modes.split(",") if m]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {unknown}; one of {', '.join(MODES)}")

    import opacus

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    _, shape, default_batch, _ = MODELS[args.model]
    batch = args.batch_size or default_batch
    x = torch.rand(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    log = sys.stderr if args.json else sys.stdout

    def say(text):
        print(text, file=log, flush=True)

    steps = {"plain": plain_step(args.model, x, y)}
    errors = {}
    caught = {}
    steps["plain"].run(args.warmup)
    for mode in modes:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                steps[mode] = dp_step(args.model, mode, x, y)
                start = time.perf_counter()
                steps[mode].run(args.warmup)
                say(f"{mode}: {args.warmup} warm-up steps in {time.perf_counter() - start:.1f} s")
            except Exception as e:  # a mode that fails is reported, the others still run
                errors[mode] = f"{type(e).__name__}: {e}"
                steps.pop(mode, None)
                say(f"{mode}: failed: {errors[mode]}")
        if seen:
            caught[mode] = sorted({f"{w.category.__name__}: {w.message}" for w in seen})

    times = {name: [] for name in steps}
    for r in range(args.rounds):
        line = []
        for name, step in steps.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # reported once, during the warm-up
                times[name].append(step.run(args.steps))
            line.append(f"{name} {times[name][-1]:.1f}")
        say(f"round {r + 1}: " + ", ".join(line) + " ms/step")

    plain_ms = statistics.median(times.pop("plain"))
    results = {}
    for mode, ms in times.items():
        dp_ms = statistics.median(ms)
        results[mode] = {
            "dp_ms_per_step": dp_ms,
            "ratio": dp_ms / plain_ms,
            "examples_per_s": batch * 1000 / dp_ms,
        }
    out = {
        "model": args.model,
        "batch_size": batch,
        "nondp_ms_per_step": plain_ms,
        "modes": results,
        "failed_modes": errors,
        "warnings": caught,
        "steps": args.steps,
        "rounds": args.rounds,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "opacus": opacus.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "onednn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
    }
    if results:
        best = min(results, key=lambda m: results[m]["dp_ms_per_step"])
        out.update(best_mode=best, **results[best])
    say(
        f"{args.model}, batch {batch}: plain {plain_ms:.1f} ms/step; "
        + "; ".join(
            f"{m} {r['dp_ms_per_step']:.1f} ms/step, DP/plain {r['ratio']:.2f}, "
            f"{r['examples_per_s']:.0f} examples/s"
            for m, r in results.items()
        )
        + f" (medians of {args.rounds} rounds; torch {torch.__version__}, opacus"
        f" {opacus.__version__}, {torch.get_num_threads()} threads)"
    )
    if args.json:
        print(json.dumps(out))
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
