#!/usr/bin/env python3
# PyTorch's CPU side of bench/pytorch.mjs: the same networks, data and steps as wasm-mlp's W1,
# W2 and W4 (bench/RESULTS.md), on ONE thread (torch.set_num_threads(1)), timed the same way.
# Reads the inputs wasm-mlp trains on (float32 files written by bench/pytorch.mjs), prints one
# JSON object of rates (samples/s). Debian: apt-get install python3-torch.
#   python3 bench/pytorch.py DATA_DIR SECONDS
import json
import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
torch.manual_seed(1)
data_dir, seconds = sys.argv[1], float(sys.argv[2])


def load(name, rows, cols):
    return torch.from_numpy(np.fromfile(f'{data_dir}/{name}.f32', dtype=np.float32).reshape(rows, cols))


def labels(n):
    return torch.tensor([(i * 7) % 10 for i in range(n)], dtype=torch.long)


def mlp(hidden):
    layers, fan_in = [], 784
    for units in hidden:
        layers += [torch.nn.Linear(fan_in, units), torch.nn.ReLU()]
        fan_in = units
    layers.append(torch.nn.Linear(fan_in, 10))  # softmax is inside CrossEntropyLoss (and in predict)
    return torch.nn.Sequential(*layers)


def rate(fn, per_call):
    """Samples/s: the median of 5 timed runs of as many calls as fill seconds / 5 each."""
    for _ in range(3):
        fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-6)
    calls = max(1, int(seconds / 5 / one))
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        runs.append(per_call * calls / (time.perf_counter() - t0))
    return sorted(runs)[2]


def trainer(hidden, x, y, batch):
    model = mlp(hidden)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        for i in range(0, x.shape[0], batch):
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[i:i + batch]), y[i:i + batch]).backward()
            opt.step()
    return epoch


def predictor(x):
    model = mlp([128]).eval()

    def predict():
        with torch.inference_mode():
            torch.softmax(model(x), dim=1)
    return predict


out = {}
x1 = load('w1', 1024, 784)
out['W1'] = rate(trainer([128], x1, labels(1024), 64), 1024)
x256 = load('w2', 256, 784)
out['W2 batch 256'] = rate(predictor(x256), 256)
out['W2 batch 1'] = rate(predictor(x256[:1].clone()), 1)
x4 = load('w4', 512, 784)
out['W4'] = rate(trainer([512, 512], x4, labels(512), 128), 512)
out['torch'] = torch.__version__
out['threads'] = torch.get_num_threads()
print(json.dumps(out))
