#!/usr/bin/env python3
"""numpy/scipy reference for the weight-free utterance features (src/encoders/utterance), written from the spec
(shared/reference/weight-free-features.md, "Feature definitions": b = 396 dims, then a = 240 dims), not from the
TypeScript. Needs numpy and scipy only.

  python3 tools/reference/utterance_features.py CLIP.wav [...]     one JSON array of 636 numbers per line (NaN -> null)
  python3 tools/reference/utterance_features.py --fixture          rewrites test/fixtures/utterance-features-synthetic.json

Interpretations where the spec is silent (the TypeScript makes the same ones):
- YIN regions are zero outside the clip; d'(tau) is computed for tau = 1..268 (the 668-sample region allows 268), so the
  parabola around tau = 267 has a right neighbour; d' = 1 where sum_{i<=tau} d(i) = 0; the parabola is used only when
  convex (a - 2b + c > 0); voicing, HNR and voicing probability use d' at the integer lag.
- "Consecutive voiced" pairs (F0 rise/fall, jitter, shimmer) are adjacent frames t-1, t that are both voiced; jitter
  divides by the mean period over all voiced frames.
- Delta E and flux are 0 at frame 0. The peak-picking moving average repeats the edge frames; non-speech frames are
  set to the minimum of the smoothed track.
- Spectral balance uses P + 1e-12 like spectral shape; bands are half-open [lo, hi) in Hz on bin centre frequencies.
- Plain mean/SD pairs (jitter, shimmer, segment lengths, gaps, MFCC voiced/unvoiced) are missing only when empty.
- Layout: per track its 7 stats; MFCC 7-stat blocks per coefficient, then voiced means, voiced SDs, unvoiced means,
  unvoiced SDs (13 each); log-mel stats as 80 means, 80 SDs, 80 maxima.
"""
import json
import math
import os
import sys
import wave

import numpy as np
from scipy.fft import dct
from scipy.signal import find_peaks

SR, WIN, HOP, NFFT, NMELS = 16000, 400, 160, 512, 80
FRAME_S = HOP / SR
MIN_LAG, MAX_LAG, TOP_LAG = 26, 267, 268
FIXTURE = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'utterance-features-synthetic.json')


def read_wav(path):
    with wave.open(path, 'rb') as w:
        assert w.getsampwidth() == 2 and w.getframerate() == SR, 'expects 16-bit 16 kHz WAV'
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').reshape(-1, w.getnchannels())
    return raw[:, 0].astype(np.float64) / 32768.0


def mel_filterbank():
    hz2mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    mel2hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    pts = mel2hz(np.linspace(hz2mel(20.0), hz2mel(8000.0), NMELS + 2))
    f = np.arange(NFFT // 2 + 1) * SR / NFFT
    lo, c, hi = pts[:-2, None], pts[1:-1, None], pts[2:, None]
    return np.maximum(0.0, np.minimum((f - lo) / (c - lo), (hi - f) / (hi - c)))  # (80, 257)


def stats7(values, frames):
    frames = np.asarray(frames, dtype=int)
    if len(frames) < 2:
        return [math.nan] * 7
    y = values[frames]
    t = frames * FRAME_S
    p2, p10, p50, p90, p98 = np.percentile(y, [2, 10, 50, 90, 98])
    slope = np.sum((t - t.mean()) * (y - y.mean())) / np.sum((t - t.mean()) ** 2)
    return [y.mean(), y.std(), p10, p50, p90, slope, p98 - p2]


def mean_sd(values):
    values = np.asarray(values, dtype=np.float64)
    return [math.nan, math.nan] if values.size == 0 else [values.mean(), values.std()]


def yin(x, n_frames):
    xp = np.concatenate([np.zeros(134), x, np.zeros(134)])
    lags = np.arange(1, TOP_LAG + 1)
    f0 = np.empty(n_frames)
    dsel = np.empty(n_frames)
    for t in range(n_frames):
        r = xp[t * HOP: t * HOP + WIN + TOP_LAG]
        shifted = np.lib.stride_tricks.sliding_window_view(r, WIN)[lags]  # (268, 400): row i is x_{j + lag}
        d = np.sum((r[:WIN] - shifted) ** 2, axis=1)
        cum = np.cumsum(d)
        dp = np.ones(TOP_LAG + 1)
        ok = cum > 0
        dp[1:][ok] = d[ok] * lags[ok] / cum[ok]
        rng = dp[MIN_LAG:MAX_LAG + 1]
        below = np.nonzero(rng < 0.15)[0]
        if below.size:
            tau = MIN_LAG + below[0]
            while tau < MAX_LAG and dp[tau + 1] < dp[tau]:
                tau += 1
        else:
            tau = MIN_LAG + int(np.argmin(rng))
        a, b, c = dp[tau - 1], dp[tau], dp[tau + 1]
        den = a - 2 * b + c
        shift = float(np.clip(0.5 * (a - c) / den, -1, 1)) if den > 0 else 0.0
        f0[t] = SR / (tau + shift)
        dsel[t] = dp[tau]
    return f0, dsel


def runs_of(mask):
    runs, t = [], 0
    while t < len(mask):
        if mask[t]:
            s = t
            while t < len(mask) and mask[t]:
                t += 1
            if t - s >= 2:
                runs.append((s, t - 1))
        else:
            t += 1
    return runs


def features(x):
    x = np.asarray(x, dtype=np.float64)
    out = [math.nan] * 636
    if len(x) < WIN:
        return out
    T = (len(x) - WIN) // HOP + 1
    idx = np.arange(T)[:, None] * HOP + np.arange(WIN)[None, :]
    raw = x[idx]  # (T, 400)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    P = np.abs(np.fft.rfft(raw * hann, n=NFFT, axis=1)) ** 2  # (T, 257)
    melp = P @ mel_filterbank().T
    L = np.log(melp + 1e-6)
    E = 10 * np.log10(np.mean(raw ** 2, axis=1) + 1e-10)

    p99, p5, p50 = np.percentile(E, [99, 5, 50])
    speech_mask = (E >= p99 - 35) & (E >= p5 + 6)
    if speech_mask.sum() < 3:
        speech_mask = E >= p50
    speech = np.nonzero(speech_mask)[0]

    f0, dsel = yin(x, T)
    voiced_mask = speech_mask & (dsel < 0.30) & (f0 >= 60) & (f0 <= 600)
    voiced = np.nonzero(voiced_mask)[0]
    unvoiced = np.nonzero(speech_mask & ~voiced_mask)[0]
    pair = np.nonzero(voiced_mask[1:] & voiced_mask[:-1])[0] + 1

    b = []
    # F0 (9)
    st = 12 * np.log2(f0 / 27.5)
    b += stats7(st, voiced)
    dst = st[pair] - st[pair - 1]
    b += [dst[dst > 0].mean() if np.any(dst > 0) else 0.0, dst[dst < 0].mean() if np.any(dst < 0) else 0.0]
    # Voice quality (18)
    dc = np.clip(dsel, 0.001, 0.999)
    b += stats7(10 * np.log10((1 - dc) / dc), voiced)
    b += stats7(np.clip(1 - dsel, 0, 1), speech)
    period = 1 / f0
    b += mean_sd(np.abs(period[pair] - period[pair - 1]) / period[voiced].mean() if voiced.size else [])
    b += mean_sd(np.abs(E[pair] - E[pair - 1]))
    # Energy (21)
    dE = np.diff(E, prepend=E[0])
    for track in (E, np.sum(melp ** 0.3, axis=1), dE):
        b += stats7(track, speech)
    # Rate / timing (9)
    sp_s = len(speech) * FRAME_S
    runs = runs_of(voiced_mask)
    lengths = [(e - s + 1) * FRAME_S for s, e in runs]
    gaps = [(runs[i + 1][0] - runs[i][1] - 1) * FRAME_S for i in range(len(runs) - 1)]
    Epad = np.concatenate([[E[0]] * 2, E, [E[-1]] * 2])
    sm = np.convolve(Epad, np.ones(5) / 5, mode='valid')
    sm[~speech_mask] = sm.min()
    peaks, _ = find_peaks(sm, prominence=3, distance=8)
    b += [sp_s, len(speech) / T, len(voiced) / len(speech), len(runs) / sp_s]
    b += mean_sd(lengths) + mean_sd(gaps) + [len(peaks) / sp_s]
    # MFCC (143) and delta-MFCC (91)
    C = dct(L, type=2, norm='ortho', axis=1)[:, 1:14]
    Cp = np.concatenate([C[:1], C[:1], C, C[-1:], C[-1:]])
    D = (Cp[3:-1] - Cp[1:-3] + 2 * (Cp[4:] - Cp[:-4])) / 10
    for k in range(13):
        b += stats7(C[:, k], speech)
    vm, vs = zip(*[mean_sd(C[voiced, k]) for k in range(13)])
    um, us = zip(*[mean_sd(C[unvoiced, k]) for k in range(13)])
    b += list(vm) + list(vs) + list(um) + list(us)
    for k in range(13):
        b += stats7(D[:, k], speech)
    # Spectral shape (42)
    Pe = P + 1e-12
    f = np.arange(NFFT // 2 + 1) * SR / NFFT
    tot = Pe.sum(axis=1)
    centroid = Pe @ f / tot
    bandwidth = np.sqrt(np.sum(Pe * (f[None, :] - centroid[:, None]) ** 2, axis=1) / tot)
    rolloff = f[np.argmax(np.cumsum(Pe, axis=1) >= 0.85 * tot[:, None], axis=1)]
    flatness = 10 * np.log10(np.exp(np.mean(np.log(Pe[:, 1:]), axis=1)) / np.mean(Pe[:, 1:], axis=1))
    flux = np.concatenate([[0.0], np.sqrt(np.mean(np.diff(L, axis=0) ** 2, axis=1))])
    neg = raw < 0
    zcr = np.mean(neg[:, 1:] != neg[:, :-1], axis=1)
    for track in (centroid, bandwidth, rolloff, flatness, flux, zcr):
        b += stats7(track, speech)
    # Spectral balance (63)
    band = lambda lo, hi: (f >= lo) & (f < hi)
    db = 10 * np.log10(Pe)

    def slope(lo, hi):
        m = band(lo, hi)
        fk = f[m] / 1000
        y = db[:, m]
        return ((y - y.mean(axis=1, keepdims=True)) @ (fk - fk.mean())) / np.sum((fk - fk.mean()) ** 2)

    balance = [
        10 * np.log10(Pe[:, band(50, 1000)].sum(axis=1) / Pe[:, band(1000, 5000)].sum(axis=1)),
        10 * np.log10(Pe[:, band(0, 2000)].max(axis=1) / Pe[:, band(2000, 5000)].max(axis=1)),
        slope(0, 500),
        slope(500, 1500),
    ] + [10 * np.log10(Pe[:, band(lo, hi)].sum(axis=1) / tot) for lo, hi in ((0, 500), (500, 1000), (1000, 2000), (2000, 4000), (4000, 8000))]
    for track in balance:
        b += stats7(track, speech)
    assert len(b) == 396, len(b)
    a = list(L.mean(axis=0)) + list(L.std(axis=0)) + list(L.max(axis=0))
    return [float(v) for v in b + a]


def synthetic(kind, n):
    """Deterministic test signals, generated identically in test/unit/utterance-features.test.ts (float32-rounded)."""
    i = np.arange(n, dtype=np.float64)
    state, noise = 12345, np.empty(n)
    for k in range(n):  # 31-bit LCG (glibc constants), uniform in [-1, 1)
        state = (1103515245 * state + 12345) % 2147483648
        noise[k] = state / 1073741824 - 1
    if kind == 'harmonic-glide':
        # A voiced-like tone gliding 140 -> 220 Hz with three harmonics, a syllable envelope and a noise floor.
        f = 140 + 80 * i / n
        phase = 2 * np.pi * np.cumsum(f) / SR
        env = 0.5 - 0.5 * np.cos(2 * np.pi * i * 3 / n)
        x = env * (0.4 * np.sin(phase) + 0.2 * np.sin(2 * phase) + 0.1 * np.sin(3 * phase)) + 0.003 * noise
    elif kind == 'tone-in-silence':
        x = np.where((i >= 4000) & (i < 12000), 0.3 * np.sin(2 * np.pi * 200 * i / SR), 0.0) + 0.0005 * noise
    elif kind == 'noise-bursts':
        gate = ((i // 2400) % 2 == 0).astype(np.float64)
        x = 0.2 * noise * gate + 0.002 * noise
    else:
        raise ValueError(kind)
    return x.astype(np.float32).astype(np.float64)


CASES = [('harmonic-glide', 24000), ('tone-in-silence', 16000), ('noise-bursts', 19200)]


def write_fixture():
    cases = []
    for kind, n in CASES:
        v = features(synthetic(kind, n))
        cases.append({'kind': kind, 'samples': n, 'features': [None if math.isnan(x) else x for x in v]})
    with open(FIXTURE, 'w') as fh:
        json.dump({'generator': 'tools/reference/utterance_features.py --fixture', 'cases': cases}, fh, indent=None)
        fh.write('\n')


if __name__ == '__main__':
    if sys.argv[1:] == ['--fixture']:
        write_fixture()
    else:
        for path in sys.argv[1:]:
            print(json.dumps([None if math.isnan(v) else v for v in features(read_wav(path))]))
