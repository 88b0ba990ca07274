#!/usr/bin/env python3
"""DAGMM on KDDCUP, Vigil and PyTorch in one run on one core (a benchmark, not a test).

    scripts/dagmm-side-by-side.py [--epochs 3] [--seed 0] [--vigil .build/release/vigil]
                                  [--data ../shared/data/kddcup.data_10_percent.gz] [--rounds 2]
                                  [--public-code CHECKOUT]

Alternates, `--rounds` times: Vigil's `evaluate --protocol dagmm-kdd` (VIGIL_THREADS=1) and a
PyTorch DAGMM (torch.set_num_threads(1)) on the same protocol — the 10% file with
protocol_type, service and flag one-hot encoded (sorted categories) and the numeric columns
min-max scaled; `normal.` is the anomaly class; half the other rows train (seeded), the rest
and every anomaly test; batch 1,024, Adam 1e-4; threshold at the 80th percentile of the train
and test energies. Prints each side's seconds per epoch (the median of its epochs) and F1.

The PyTorch model is written here from the paper's equations (Zong et al., ICLR 2018, §3):
encoder 118→60→30→10→1 (tanh), mirror decoder, z = [code, ‖x−x̂‖/‖x‖, cos(x, x̂)],
estimation network 3→10 (tanh) → dropout 0.5 → 4 (softmax); the mixture's φ, μ, Σ from the
batch's memberships; loss = MSE + 0.1·mean energy + 0.005·Σ 1/diag(Σ_k). It is vectorised
(one batched Cholesky per step), so it is at least as fast as a per-component loop; the
public PyTorch notebook measured 6.0 s per epoch here (REFERENCE.md).

With `--public-code CHECKOUT` (a checkout of the public PyTorch DAGMM, danieltan07/dagmm) each
round also trains that code's own `model.DaGMM` through its own `loss_function`, fed the way
its solver feeds it: a `DataLoader` over rows converted one by one to float32, Adam 1e-4,
gradient norm clipped at 5, the four loss terms read back every step. The checkout is
imported, not copied; it was written for PyTorch 0.4 on a GPU, so three shims let it run on
CPU PyTorch 2 without editing it (see `load_public_model`).

It first prints the floor under any implementation on this core: the dense layers' matrix
products alone (forward, input and weight gradients) for one epoch, through numpy's BLAS.

Needs numpy and torch; Vigil itself never needs Python.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's matrix products on one core too
import numpy as np  # noqa: E402


def kdd_dagmm_view(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        rows = [line.rstrip("\n").split(",") for line in f if line.strip()]
    columns = list(zip(*rows))
    features = []
    for index in range(41):
        column = columns[index]
        if index in (1, 2, 3):
            categories = sorted(set(column))
            lookup = {c: i for i, c in enumerate(categories)}
            one_hot = np.zeros((len(column), len(categories)), dtype=np.float32)
            one_hot[np.arange(len(column)), [lookup[c] for c in column]] = 1
            features.append(one_hot)
        else:
            values = np.array(column, dtype=np.float64)
            low, high = values.min(), values.max()
            features.append(((values - low) / (high - low if high > low else 1)).astype(np.float32)[:, None])
    x = np.concatenate(features, axis=1)
    y = np.array([label == "normal." for label in columns[41]], dtype=np.int64)
    return x, y


def split(y, seed):
    """The protocol's split: half the inliers (seeded) train; the rest and every anomaly test."""
    rng = np.random.RandomState(seed)
    inliers = rng.permutation(np.flatnonzero(y == 0))
    half = len(inliers) // 2
    return inliers[:half], np.concatenate([inliers[half:], np.flatnonzero(y == 1)]), rng


def f1_at_80th_percentile(train_energies, test_energies, truth):
    threshold = np.percentile(np.concatenate([train_energies, test_energies]), 80)
    flagged = test_energies > threshold
    tp = (flagged & truth).sum()
    precision, recall = tp / max(flagged.sum(), 1), tp / truth.sum()
    return 2 * precision * recall / (precision + recall)


def pytorch_dagmm(x, y, epochs, seed):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    train, test, rng = split(y, seed)
    d = x.shape[1]
    encoder = nn.Sequential(nn.Linear(d, 60), nn.Tanh(), nn.Linear(60, 30), nn.Tanh(), nn.Linear(30, 10), nn.Tanh(), nn.Linear(10, 1))
    decoder = nn.Sequential(nn.Linear(1, 10), nn.Tanh(), nn.Linear(10, 30), nn.Tanh(), nn.Linear(30, 60), nn.Tanh(), nn.Linear(60, d))
    estimation = nn.Sequential(nn.Linear(3, 10), nn.Tanh(), nn.Dropout(0.5), nn.Linear(10, 4), nn.Softmax(dim=1))
    modules = nn.ModuleList([encoder, decoder, estimation])
    optimiser = torch.optim.Adam(modules.parameters(), lr=1e-4)
    eye = torch.eye(3) * 1e-8

    def forward(batch):
        code = encoder(batch)
        reconstruction = decoder(code)
        distance = (batch - reconstruction).norm(dim=1, keepdim=True) / batch.norm(dim=1, keepdim=True).clamp_min(1e-12)
        cosine = nn.functional.cosine_similarity(batch, reconstruction, dim=1).unsqueeze(1)
        z = torch.cat([code, distance, cosine], dim=1)
        return reconstruction, z

    def mixture(z, gamma):
        total = gamma.sum(0)
        phi = total / len(z)
        mu = (gamma.t() @ z) / total[:, None]
        centred = z[:, None, :] - mu[None]
        covariance = torch.einsum("nk,nki,nkj->kij", gamma, centred, centred) / total[:, None, None] + eye
        return phi, mu, covariance

    def energy(z, phi, mu, covariance):
        centred = z[:, None, :] - mu[None]
        cholesky = torch.linalg.cholesky(covariance)
        solved = torch.linalg.solve_triangular(cholesky[None].expand(len(z), -1, -1, -1), centred[..., None], upper=False)[..., 0]
        mahalanobis = (solved ** 2).sum(-1)
        log_det = 2 * torch.log(torch.diagonal(cholesky, dim1=1, dim2=2)).sum(-1)
        log_terms = torch.log(phi)[None] - 0.5 * mahalanobis - 0.5 * (log_det + 3 * np.log(2 * np.pi))[None]
        return -torch.logsumexp(log_terms, dim=1)

    data = torch.from_numpy(x)
    seconds = []
    for _ in range(epochs):
        modules.train()
        order = rng.permutation(train)
        start = time.perf_counter()
        for first in range(0, len(order), 1024):
            batch = data[order[first:first + 1024]]
            reconstruction, z = forward(batch)
            gamma = estimation(z)
            phi, mu, covariance = mixture(z, gamma)
            loss = ((batch - reconstruction) ** 2).mean() + 0.1 * energy(z, phi, mu, covariance).mean() \
                + 0.005 * (1 / torch.diagonal(covariance, dim1=1, dim2=2)).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        seconds.append(time.perf_counter() - start)
    modules.eval()
    with torch.no_grad():
        # The mixture over every training row in float64: summed in float32 over 200,000 rows
        # its covariance can lose positive definiteness.
        _, z_train = forward(data[train])
        phi, mu, covariance = mixture(z_train.double(), estimation(z_train).double())
        train_energies, test_energies = (energy(forward(data[part])[1].double(), phi, mu, covariance).numpy() for part in (train, test))
    return statistics.median(seconds), f1_at_80th_percentile(train_energies, test_energies, y[test] == 1)


def matrix_product_floor(rows, batch=1024, widths=(118, 60, 30, 10, 1, 10, 30, 60, 118), repeats=3):
    """Seconds per epoch of the dense layers' matrix products alone (the best of `repeats`),
    and their GFLOP: per step, each layer's forward product, weight gradient and (except the
    first) input gradient, at float32."""
    generator = np.random.default_rng(0)
    weights = [generator.standard_normal((a, b), dtype=np.float32) for a, b in zip(widths, widths[1:])]
    activations = [generator.standard_normal((batch, width), dtype=np.float32) for width in widths]
    steps = -(-rows // batch)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            for layer, weight in enumerate(weights):
                activations[layer] @ weight
            for layer, weight in enumerate(weights):
                activations[layer].T @ activations[layer + 1]
                if layer > 0:
                    activations[layer + 1] @ weight.T
        best = min(best, time.perf_counter() - start)
    multiply_adds = sum(a * b for a, b in zip(widths, widths[1:]))
    return best, 2 * rows * (3 * multiply_adds - widths[0] * widths[1]) / 1e9


def load_public_model(checkout):
    """Imports `model.py` from the public checkout with three run-time shims, no edits:
    `torchvision` and the checkout's `utils` (which needs OpenCV) are stood in for, since the
    model uses only `utils.to_var`; `Tensor.cuda` returns the tensor (this is a CPU run); and
    its `Cholesky` autograd function (legacy non-static form, `torch.potrf`) is replaced by
    `torch.linalg.cholesky`, which has the same value and gradient."""
    import sys
    import types
    import torch

    sys.modules.setdefault("torchvision", types.ModuleType("torchvision"))
    utils = types.ModuleType("utils")
    utils.to_var = lambda tensor, volatile=False: tensor
    sys.modules["utils"] = utils
    torch.Tensor.cuda = lambda self, *arguments, **options: self
    sys.path.insert(0, checkout)
    import model
    model.Cholesky.apply = torch.linalg.cholesky
    return model


def public_pytorch_dagmm(checkout, x, y, epochs, seed):
    import torch
    from torch.utils.data import DataLoader, Dataset

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    model = load_public_model(checkout)
    train, test, _ = split(y, seed)
    truth = y[test] == 1

    class Rows(Dataset):
        def __init__(self, rows):
            self.rows = rows

        def __len__(self):
            return len(self.rows)

        def __getitem__(self, index):
            return np.float32(x[self.rows[index]]), np.float32(y[self.rows[index]])

    dagmm = model.DaGMM(4)
    optimiser = torch.optim.Adam(dagmm.parameters(), lr=1e-4)
    loader = DataLoader(Rows(train), batch_size=1024, shuffle=True)
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        for batch, _labels in loader:
            dagmm.train()
            _, reconstruction, z, gamma = dagmm(batch)
            loss, energy, error, diagonal = dagmm.loss_function(batch, reconstruction, z, gamma, 0.1, 0.005)
            dagmm.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(dagmm.parameters(), 5)
            optimiser.step()
            _ = (loss.item(), energy.item(), error.item(), diagonal.item())
        seconds.append(time.perf_counter() - start)
    dagmm.eval()
    with torch.no_grad():
        # Its test procedure: the mixture from the training rows' batch statistics, weighted
        # by each batch's memberships, then every row's energy under it.
        total, mean_sum, covariance_sum = 0, 0, 0
        for batch, _labels in DataLoader(Rows(train), batch_size=1024):
            _, _, z, gamma = dagmm(batch)
            _, mu, covariance = dagmm.compute_gmm_params(z, gamma)
            weight = gamma.sum(0)
            total, mean_sum = total + weight, mean_sum + mu * weight[:, None]
            covariance_sum = covariance_sum + covariance * weight[:, None, None]
        phi, mu, covariance = total / len(train), mean_sum / total[:, None], covariance_sum / total[:, None, None]

        def energies(rows):
            parts = [dagmm.compute_energy(dagmm(batch)[2], phi, mu, covariance, size_average=False)[0]
                     for batch, _labels in DataLoader(Rows(rows), batch_size=1024)]
            return torch.cat(parts).numpy()

        f1 = f1_at_80th_percentile(energies(train), energies(test), truth)
    return statistics.median(seconds), f1


def vigil_dagmm(vigil, data_dir, epochs, seed):
    environment = dict(os.environ, VIGIL_THREADS="1")
    output = subprocess.run(
        [vigil, "evaluate", "--protocol", "dagmm-kdd", "--epochs", str(epochs), "--seeds", str(seed), "--data-dir", data_dir, "--no-report"],
        env=environment, capture_output=True, text=True, check=True).stdout
    line = next(l for l in output.splitlines() if l.split()[:1] == ["kdd"])
    fields = line.split()
    return float(fields[-1]), float(fields[5])


def main():
    parser = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--vigil", default=os.path.join(root, ".build/release/vigil"))
    parser.add_argument("--data", default=os.path.join(root, "../shared/data/kddcup.data_10_percent.gz"))
    parser.add_argument("--public-code", help="a checkout of the public PyTorch DAGMM, also timed each round")
    arguments = parser.parse_args()
    x, y = kdd_dagmm_view(arguments.data)
    print(f"KDDCUP DAGMM view: {x.shape[0]} rows x {x.shape[1]} features, {y.sum()} anomalies (normal.)")
    floor_seconds, gigaflops = matrix_product_floor(len(split(y, arguments.seed)[0]))
    print(f"floor: the matrix products alone {floor_seconds:.3f} s/epoch ({gigaflops:.1f} GFLOP, {gigaflops / floor_seconds:.1f} GFLOP/s, numpy)")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: Vigil only")
    ratios, public_ratios = [], []
    for round_ in range(arguments.rounds):
        vigil_seconds, vigil_f1 = vigil_dagmm(arguments.vigil, os.path.dirname(arguments.data), arguments.epochs, arguments.seed)
        print(f"round {round_}: Vigil   {vigil_seconds:7.3f} s/epoch  F1 {vigil_f1:.4f}")
        if have_torch:
            torch_seconds, torch_f1 = pytorch_dagmm(x, y, arguments.epochs, arguments.seed)
            print(f"round {round_}: PyTorch {torch_seconds:7.3f} s/epoch  F1 {torch_f1:.4f}   ratio {torch_seconds / vigil_seconds:.1f}x")
            ratios.append(torch_seconds / vigil_seconds)
            if arguments.public_code:
                public_seconds, public_f1 = public_pytorch_dagmm(arguments.public_code, x, y, arguments.epochs, arguments.seed)
                print(f"round {round_}: public  {public_seconds:7.3f} s/epoch  F1 {public_f1:.4f}   ratio {public_seconds / vigil_seconds:.1f}x")
                public_ratios.append(public_seconds / vigil_seconds)
    if ratios:
        print(f"PyTorch / Vigil seconds per epoch: median {statistics.median(ratios):.1f}x over {len(ratios)} rounds")
    if public_ratios:
        print(f"public PyTorch code / Vigil seconds per epoch: median {statistics.median(public_ratios):.1f}x over {len(public_ratios)} rounds")


if __name__ == "__main__":
    main()
