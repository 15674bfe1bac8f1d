#!/usr/bin/python3
"""PyTorch reference values for the tfjs losses in src/mmer/losses (CTC, supervised contrastive, InfoNCE).

Run by hand: /usr/bin/python3 tools/reference/losses.py  (Debian's python3-torch; no network, fixed seeds).
Writes test/fixtures/reference/losses.json: inputs (rounded to float32 so both sides see the same numbers), options,
and float64 expected losses and gradients. CTC gradients are taken w.r.t. the logits *before* log_softmax.
Non-finite numbers are written as the strings "Infinity" / "NaN" (JSON has no literal for them).
"""
import json
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'reference', 'losses.json')


def num(x, digits=10):
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return float(f'{x:.{digits}g}')


def flat(t, digits=10):
    return [num(v, digits) for v in t.detach().reshape(-1).tolist()]


def f32(shape, gen, scale=1.0):
    """Random normal input, rounded to float32 so the tfjs side receives exactly these values."""
    return (torch.randn(*shape, generator=gen) * scale).float().double()


# ---------------------------------------------------------------- CTC

def ctc_case(name, seed, shape, targets, input_lengths, blank=0, reduction='mean', zero_infinity=False, scale=2.0):
    gen = torch.Generator().manual_seed(seed)
    b, t, c = shape
    logits = f32(shape, gen, scale).requires_grad_(True)
    log_probs = F.log_softmax(logits, dim=2)
    flat_targets = torch.tensor([y for tgt in targets for y in tgt], dtype=torch.long)
    target_lengths = torch.tensor([len(tgt) for tgt in targets], dtype=torch.long)
    loss = F.ctc_loss(log_probs.transpose(0, 1), flat_targets, torch.tensor(input_lengths, dtype=torch.long),
                      target_lengths, blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    # 'none' is reduced with fixed unequal weights so that each clip's gradient is checked on its own.
    weights = [1.0, 0.5, 2.0, 0.25][:b] if reduction == 'none' else None
    objective = (loss * torch.tensor(weights)).sum() if weights else loss
    grad = None
    if torch.isfinite(objective):
        (grad,) = torch.autograd.grad(objective, logits)
    case = {
        'name': name, 'shape': list(shape), 'logits': flat(logits, 9), 'targets': targets, 'inputLengths': input_lengths,
        'blank': blank, 'reduction': reduction, 'zeroInfinity': zero_infinity,
        'loss': flat(loss) if reduction == 'none' else num(loss),
        'grad': flat(grad) if grad is not None else None,
    }
    if weights:
        case['weights'] = weights
    return case


def ctc_cases():
    batch = dict(shape=(3, 10, 6), targets=[[1, 2, 3, 4], [2, 2], [3]], input_lengths=[10, 7, 4])
    return [
        ctc_case('repeated labels [1,1,2]', 1, (1, 8, 4), [[1, 1, 2]], [8], reduction='sum'),
        ctc_case('repeats with T just long enough (T = L + repeats)', 2, (1, 4, 4), [[1, 1, 2]], [4], reduction='sum'),
        ctc_case('infeasible (T too short), zeroInfinity', 3, (1, 3, 4), [[1, 1, 2]], [3], reduction='sum',
                 zero_infinity=True),
        ctc_case('infeasible (T too short), no zeroInfinity', 3, (1, 3, 4), [[1, 1, 2]], [3], reduction='sum'),
        ctc_case('batch, mixed lengths, mean', 4, reduction='mean', **batch),
        ctc_case('batch, mixed lengths, sum', 4, reduction='sum', **batch),
        ctc_case('batch, mixed lengths, none', 4, reduction='none', **batch),
        ctc_case('empty target beside a real one', 5, (2, 6, 5), [[], [1, 3]], [6, 5]),
        ctc_case('one infeasible clip in a batch, zeroInfinity, mean', 6, (2, 5, 5), [[1, 2], [3, 3, 3]], [5, 4],
                 zero_infinity=True),
        ctc_case('one infeasible clip in a batch, none', 6, (2, 5, 5), [[1, 2], [3, 3, 3]], [5, 4], reduction='none'),
        ctc_case('blank is the last class', 7, (2, 7, 5), [[0, 1, 1], [2, 0]], [7, 6], blank=4),
        ctc_case('longer sequence (T=48, 14 labels)', 8, (1, 48, 8),
                 [[3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 5, 7, 2, 7]], [48], reduction='sum', scale=3.0),
    ]


def park_miller(seed, count):
    """Integer LCG, exact in float64 and in JS numbers, so the long case ships a seed instead of 45k logits."""
    out, state = [], seed
    for _ in range(count):
        state = state * 16807 % 2147483647
        out.append(state)
    return out


def ctc_long_case():
    b, t, c = 2, 700, 32
    logits = torch.tensor([(s / 2147483647 - 0.5) * 6 for s in park_miller(2023, b * t * c)]).float().double()
    logits = logits.reshape(b, t, c).requires_grad_(True)
    lab = park_miller(7, 250)
    targets = [[1 + v % 31 for v in lab[:150]], [1 + v % 7 for v in lab[150:250]]]  # the second has many repeats
    input_lengths = [700, 480]
    loss = F.ctc_loss(F.log_softmax(logits, dim=2).transpose(0, 1), torch.tensor([y for g in targets for y in g]),
                      torch.tensor(input_lengths), torch.tensor([len(g) for g in targets]), reduction='none')
    (grad,) = torch.autograd.grad(loss.sum(), logits)
    flat_grad = grad.reshape(-1)
    picks = park_miller(99, 64)
    sample = [[p % flat_grad.numel(), num(flat_grad[p % flat_grad.numel()])] for p in picks]
    return {'name': 'T=700, 2 clips, C=32, 150 and 100 labels, reduction none (grad of the sum)', 'shape': [b, t, c],
            'logitSeed': 2023, 'logitScale': 6, 'targets': targets, 'inputLengths': input_lengths, 'loss': flat(loss),
            'gradSample': sample, 'gradAbsMax': num(flat_grad.abs().max())}


# ---------------------------------------------------------------- contrastive

def supcon_khosla(z, labels, t):
    z = F.normalize(z, dim=1)
    logits = z @ z.T / t
    n = z.shape[0]
    self_mask = torch.eye(n, dtype=torch.bool)
    log_den = torch.logsumexp(logits.masked_fill(self_mask, float('-inf')), dim=1, keepdim=True)
    log_prob = logits - log_den
    lab = torch.tensor(labels)
    pos = (lab[:, None] == lab[None, :]) & ~self_mask
    npos = pos.sum(1)
    has = npos > 0
    if not has.any():
        return (z * 0).sum()
    per_anchor = -(log_prob * pos).sum(1)[has] / npos[has]
    return per_anchor.mean()


def supcon_authors(z, labels, t):
    log_prob = F.log_softmax(z @ z.T, dim=1) / t
    lab = torch.tensor(labels)
    same = (lab[:, None] == lab[None, :]).double()
    return -(log_prob * same).sum() / same.sum()


def supcon_case(name, seed, shape, labels, variant, temperature, scale=1.0):
    gen = torch.Generator().manual_seed(seed)
    z = f32(shape, gen, scale).requires_grad_(True)
    fn = supcon_khosla if variant == 'khosla' else supcon_authors
    loss = fn(z, labels, temperature)
    (grad,) = torch.autograd.grad(loss, z)
    return {'name': name, 'shape': list(shape), 'features': flat(z, 9), 'labels': labels, 'variant': variant,
            'temperature': temperature, 'loss': num(loss), 'grad': flat(grad)}


def infonce(a, b, t, symmetric, normalise):
    if normalise:
        a, b = F.normalize(a, dim=1), F.normalize(b, dim=1)
    logits = a @ b.T / t
    target = torch.arange(a.shape[0])
    loss = F.cross_entropy(logits, target)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(logits.T, target))
    return loss


def infonce_case(name, seed, shape, temperature, symmetric, normalise, scale=1.0):
    gen = torch.Generator().manual_seed(seed)
    a = f32(shape, gen, scale).requires_grad_(True)
    # The second view is a noisy copy of the first, as an augmented clip would be.
    b = (a.detach() + f32(shape, gen, 0.5 * scale)).float().double().requires_grad_(True)
    loss = infonce(a, b, temperature, symmetric, normalise)
    grad_a, grad_b = torch.autograd.grad(loss, (a, b))
    return {'name': name, 'shape': list(shape), 'zA': flat(a, 9), 'zB': flat(b, 9), 'temperature': temperature,
            'symmetric': symmetric, 'normalise': normalise, 'loss': num(loss), 'gradA': flat(grad_a),
            'gradB': flat(grad_b)}


def main():
    labels = [0, 1, 0, 2, 1, 0, 3, 2]  # class 3 has a single clip: an anchor without positives
    data = {
        'generator': 'tools/reference/losses.py',
        'torch': torch.__version__,
        'dtype': 'float64 (inputs rounded to float32)',
        'ctc': ctc_cases(),
        'ctcLong': ctc_long_case(),
        'supcon': [
            supcon_case('khosla t=0.07', 11, (8, 6), labels, 'khosla', 0.07),
            supcon_case('khosla t=0.5, scaled features', 12, (8, 6), labels, 'khosla', 0.5, scale=3.0),
            supcon_case('authors t=0.07', 13, (8, 6), labels, 'authors-unnormalised', 0.07, scale=0.5),
            supcon_case('authors t=0.5', 14, (8, 6), labels, 'authors-unnormalised', 0.5),
        ],
        'infonce': [
            infonce_case(f'{"normalised" if n else "unnormalised"}, {"symmetric" if s else "one-way"}, t={t}',
                         20 + i, (6, 5), t, s, n, scale=1.0 if n else 0.4)
            for i, (n, s, t) in enumerate([(True, False, 0.07), (True, True, 0.07), (False, False, 0.07),
                                           (False, True, 0.2)])
        ],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(data, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    main()
