#!/usr/bin/env python3
"""PyOD on exactly the rows Vigil used, beside Vigil's figures (a benchmark, not a test).

    vigil evaluate --data ../shared/data/tabular/vowels.csv.gz --label-column label \
        --seeds 0,1,2 --json vowels.json --no-report
    scripts/pyod-tabular.py ../shared/data/tabular/vowels.csv.gz vowels.json

For each seed in Vigil's results it takes Vigil's test rows (the other normal rows are the
training rows), standardises with the training rows' mean and standard deviation (+1e-8,
TUNING.md's protocol), fits PyOD's IForest, OCSVM (on at most 20,000 training rows), PCA and
ECOD — and AutoEncoder, VAE and DeepSVDD (20 epochs) when PyTorch is installed — with their
defaults and prints the ROC AUC of each, then Vigil's detectors' from the JSON, per seed and
as means. Needs numpy, scikit-learn and pyod; Vigil itself never needs Python.
"""
import gzip
import json
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score


def read_table(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        header = f.readline().strip().split(",")
        data = np.loadtxt(f, delimiter=",", dtype=np.float64)
    label = header.index("label")
    return np.delete(data, label, axis=1), data[:, label].astype(int)


def pyod_models(seed, rows):
    from pyod.models.ecod import ECOD
    from pyod.models.iforest import IForest
    from pyod.models.ocsvm import OCSVM
    from pyod.models.pca import PCA
    models = {"IForest": IForest(random_state=seed), "OCSVM": OCSVM(), "PCA": PCA(random_state=seed), "ECOD": ECOD()}
    try:
        import torch  # noqa: F401
        from pyod.models.auto_encoder import AutoEncoder
        from pyod.models.deep_svdd import DeepSVDD
        from pyod.models.vae import VAE
        models.update({"AutoEncoder": AutoEncoder(epoch_num=20, random_state=seed), "VAE": VAE(epoch_num=20, random_state=seed),
                       "DeepSVDD": DeepSVDD(n_features=rows, epochs=20, random_state=seed)})
    except ImportError as error:
        print(f"PyOD's deep models are left out: {error}", file=sys.stderr)
    return models


def main():
    table, results_file = sys.argv[1], sys.argv[2]
    x, y = read_table(table)
    results = json.load(open(results_file))
    seeds = sorted({r["seed"] for r in results})
    table_rows = {}
    for seed in seeds:
        first = next(r for r in results if r["seed"] == seed)
        test = np.array(first["testRows"])
        train = np.setdiff1d(np.flatnonzero(y == 0), test)
        mean, std = x[train].mean(0), x[train].std(0) + 1e-8
        xtr, xte, yte = (x[train] - mean) / std, (x[test] - mean) / std, y[test]
        for name, model in pyod_models(seed, x.shape[1]).items():
            fit_rows = xtr
            if name == "OCSVM" and len(xtr) > 20_000:
                fit_rows = xtr[np.random.RandomState(seed).choice(len(xtr), 20_000, replace=False)]
            start = time.time()
            try:
                model.fit(fit_rows)
                auc = roc_auc_score(yte, model.decision_function(xte))
            except Exception as error:  # PyOD's PCA stops on constant columns
                print(f"seed {seed} {name}: {error}", file=sys.stderr)
                auc = float("nan")
            table_rows.setdefault(f"PyOD {name}", {})[seed] = (auc, time.time() - start)
            print(f"seed {seed} PyOD {name}: ROC AUC {auc:.4f} ({time.time() - start:.1f} s)", file=sys.stderr, flush=True)
        for r in results:
            if r["seed"] == seed:
                table_rows.setdefault(f"Vigil {r['detector']}", {})[seed] = (r["rocAUC"], r["fitSeconds"])
    print("detector".ljust(18) + "".join(f"seed {s}".rjust(9) for s in seeds) + "     mean   fit s")
    for name, by_seed in table_rows.items():
        aucs = [by_seed[s][0] for s in seeds if s in by_seed]
        fits = [by_seed[s][1] for s in seeds if s in by_seed]
        print(name.ljust(18) + "".join(f"{by_seed[s][0]:9.3f}" if s in by_seed else " " * 9 for s in seeds)
              + f"{np.nanmean(aucs):9.3f}{np.mean(fits):8.2f}")


if __name__ == "__main__":
    main()
