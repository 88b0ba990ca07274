#!/usr/bin/env python3
"""DAGMM on KDDCUP, Vigil and PyTorch in one run on one core (a benchmark, not a test).

    scripts/dagmm-side-by-side.py [--epochs 3] [--seed 0] [--vigil .build/release/vigil]
                                  [--data ../shared/data/kddcup.data_10_percent.gz] [--rounds 2]

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

Needs numpy and torch; Vigil itself never needs Python.
"""
import argparse
import gzip
import os
import re
import statistics
import subprocess
import time

import numpy as np


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


def pytorch_dagmm(x, y, epochs, seed):
    import torch
    from torch import nn

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    inliers = rng.permutation(np.flatnonzero(y == 0))
    half = len(inliers) // 2
    train = inliers[:half]
    test = np.concatenate([inliers[half:], np.flatnonzero(y == 1)])
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
        energies = torch.cat([energy(forward(data[part])[1].double(), phi, mu, covariance) for part in (train, test)]).numpy()
    threshold = np.percentile(energies, 80)
    flagged = energies[len(train):] > threshold
    truth = y[test] == 1
    tp = (flagged & truth).sum()
    precision, recall = tp / max(flagged.sum(), 1), tp / truth.sum()
    return statistics.median(seconds), 2 * precision * recall / (precision + recall)


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
    arguments = parser.parse_args()
    x, y = kdd_dagmm_view(arguments.data)
    print(f"KDDCUP DAGMM view: {x.shape[0]} rows x {x.shape[1]} features, {y.sum()} anomalies (normal.)")
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: Vigil only")
    ratios = []
    for round_ in range(arguments.rounds):
        vigil_seconds, vigil_f1 = vigil_dagmm(arguments.vigil, os.path.dirname(arguments.data), arguments.epochs, arguments.seed)
        print(f"round {round_}: Vigil   {vigil_seconds:7.3f} s/epoch  F1 {vigil_f1:.4f}")
        if have_torch:
            torch_seconds, torch_f1 = pytorch_dagmm(x, y, arguments.epochs, arguments.seed)
            print(f"round {round_}: PyTorch {torch_seconds:7.3f} s/epoch  F1 {torch_f1:.4f}   ratio {torch_seconds / vigil_seconds:.1f}x")
            ratios.append(torch_seconds / vigil_seconds)
    if ratios:
        print(f"PyTorch / Vigil seconds per epoch: median {statistics.median(ratios):.1f}x over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
