"""Leave-speakers-out check of the utterance statistics with a linear model (run by hand; numpy + scipy only).

Computes the 636 statistics with utterance_features.py (the numpy reference of src/encoders/utterance/, equal to the
TypeScript port to float32 rounding) for every clip of a metadata.csv folder, then runs multinomial logistic
regression (L2, class-balanced, L-BFGS) over 4 speaker folds with global or per-speaker z-scores. It checks that the
features carry what the shared reference measured, independently of the MMER head and its trainer.

    python3 tools/reference/utterance_lr_cv.py ../shared/data/ravdess
"""
import csv
import os
import sys

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, os.path.dirname(__file__))
from utterance_features import features, read_wav  # noqa: E402


def zscore(x, fit):
    mu = np.nanmean(x[fit], 0)
    sd = np.nanstd(x[fit], 0)
    sd[~(sd > 1e-12)] = 1
    z = (x - mu) / sd
    z[np.isnan(z)] = 0
    return z


def per_speaker(x, speakers):
    out = x.copy()
    for s in set(speakers):
        m = speakers == s
        mu = np.nanmean(x[m], 0)
        sd = np.nanstd(x[m], 0)
        sd[~(sd > 1e-12)] = 1
        out[m] = (x[m] - mu) / sd
    return out


def fit_lr(x, y, k, c):
    n, d = x.shape
    w = (n / (k * np.bincount(y, minlength=k)))[y]
    onehot = np.eye(k)[y]

    def loss(p):
        wt, b = p[: d * k].reshape(d, k), p[d * k :]
        z = x @ wt + b
        z -= z.max(1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(1, keepdims=True))
        g = (np.exp(lp) - onehot) * w[:, None]
        return -(w * (onehot * lp).sum(1)).sum() + 0.5 / c * (wt**2).sum(), np.concatenate([(x.T @ g + wt / c).ravel(), g.sum(0)])

    p = minimize(loss, np.zeros(d * k + k), jac=True, method='L-BFGS-B', options={'maxiter': 500}).x
    return p[: d * k].reshape(d, k), p[d * k :]


def main(folder):
    rows = list(csv.DictReader(open(os.path.join(folder, 'metadata.csv'))))
    x = np.array([features(read_wav(os.path.join(folder, r['path']))) for r in rows], dtype=float)
    speakers = np.array([r.get('speaker') or r['actor'] for r in rows])
    labels = sorted({r['emotion'] for r in rows})
    y = np.array([labels.index(r['emotion']) for r in rows])
    order = sorted(set(speakers))
    folds = [order[round(i * len(order) / 4) : round((i + 1) * len(order) / 4)] for i in range(4)]
    for norm in ('global', 'per-speaker'):
        xn = per_speaker(x, speakers) if norm == 'per-speaker' else x
        for c in (0.003, 0.01, 0.03, 0.1):
            uas = []
            for held in folds:
                te = np.isin(speakers, held)
                z = zscore(xn, ~te)
                wt, b = fit_lr(z[~te], y[~te], len(labels), c)
                pred = np.argmax(z[te] @ wt + b, 1)
                uas.append(np.mean([np.mean(pred[y[te] == k] == k) for k in range(len(labels)) if (y[te] == k).any()]))
            print(f'{norm:12s} C={c:<6} UA {100 * np.mean(uas):.1f} ± {100 * np.std(uas, ddof=1):.1f}  folds {" ".join(f"{100 * u:.1f}" for u in uas)}')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '../shared/data/ravdess')
