#!/usr/bin/python3
"""Case 2 peer: one training step of the MMER head in PyTorch on CPU (float32), for `npm run bench`.

The model is tools/reference/head.py's Head (the PyTorch reference the tfjs head is tested against), with the dropout
sites src/mmer/head.ts applies while training; the loss is the trainer's CE + 0.1 CTC + 0.1 SupCon (Khosla) + 0.1 ACL
(InfoNCE against a second, augmented forward pass), then AdamW with global-norm clipping at 1, as src/mmer/trainer.ts
and optimizer.ts do. Inputs are cached random features, as ours sees them.

Run with the system interpreter and OpenBLAS on one thread (bench/cases/train.ts does):
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_head.py --batch 8 --frames 250 --tokens 24 --warmup 1 --repeats 3
Prints one JSON object: per-step times (ms, loss read back each step) and the torch/BLAS setup.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tools', 'reference'))
import head as ref  # noqa: E402  (the reference model: parameter names, blocks, forward)
from losses import supcon_khosla, infonce  # noqa: E402

# The reference modules switch torch to float64 for exact comparisons; training runs in float32, like ours.
torch.set_default_dtype(torch.float32)


class TrainHead(ref.Head):
    """ref.Head with its dropout sites (those of src/mmer/head.ts and layers.ts) active, as while training."""

    def __init__(self, c, w, p):
        super().__init__(c, w)
        self.p = p

    def drop(self, x):
        return F.dropout(x, self.p, training=True)

    def forward(self, audio, audio_mask, text, text_mask):
        a, _, pooled = self.encode(audio, audio_mask, text, text_mask)
        return self.linear('classifier', pooled), pooled, self.ctc(a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--frames', type=int, default=250)
    ap.add_argument('--tokens', type=int, default=24)
    ap.add_argument('--target', type=int, default=60, help='CTC target length (characters)')
    ap.add_argument('--hidden', type=int, default=768)
    ap.add_argument('--heads', type=int, default=12)
    ap.add_argument('--ffn', type=int, default=3072)
    ap.add_argument('--feat', type=int, default=768, help='audio and text feature width')
    ap.add_argument('--labels', type=int, default=4)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    torch.manual_seed(0)
    c = dict(labels=list(range(args.labels)), audioDim=args.feat, textDim=args.feat, hidden=args.hidden, heads=args.heads,
             ffn=args.ffn, layerNormEps=1e-12, vocabSize=32, audioLayers=0)
    w = {}
    for name, shape, kind in ref.param_specs(c):
        t = torch.randn(*shape) * 0.02 if kind == 'w' else (torch.ones(*shape) if kind == 'g' else torch.zeros(*shape))
        w[name] = t.requires_grad_(True)
    model = TrainHead(c, w, 0.1)
    no_decay = [t for n, t in w.items() if n.endswith('.bias') or '_ln.' in n]
    decay = [t for n, t in w.items() if not (n.endswith('.bias') or '_ln.' in n)]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01}, {'params': no_decay, 'weight_decay': 0.0}], lr=5e-5)
    b = args.batch

    def view():
        return (torch.randn(b, args.frames, args.feat), torch.ones(b, args.frames), torch.randn(b, args.tokens, args.feat),
                torch.ones(b, args.tokens))
    orig, aug = view(), view()
    labels = [i % args.labels for i in range(b)]
    targets = torch.randint(1, 32, (b * args.target,))

    def step():
        logits, pooled, ctc_logits = model.forward(*orig)
        ce = F.cross_entropy(logits, torch.tensor(labels))
        ctc = F.ctc_loss(F.log_softmax(ctc_logits, dim=2).transpose(0, 1), targets, torch.full((b,), args.frames),
                         torch.full((b,), args.target), zero_infinity=True)
        z = model.project(pooled, 'orig')
        sc = supcon_khosla(z, labels, 0.07)
        _, pooled_aug, _ = model.forward(*aug)
        acl = infonce(z, model.project(pooled_aug, 'aug'), 0.07, False, True)
        loss = ce + 0.1 * ctc + 0.1 * sc + 0.1 * acl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(w.values()), 1.0)
        opt.step()
        return loss.item()

    # Memory (case 3): resident size once the model and batch exist, and the process's peak over the steps.
    before_mb = rss_mb('VmRSS')
    for _ in range(args.warmup):
        step()
    samples = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        step()
        samples.append((time.perf_counter() - t0) * 1000)
    # The step's dominant product (every FFN layer on the audio rows), timed alone: the kernel rate behind the step.
    m, k, n = b * args.frames, args.hidden, args.ffn
    x, wm = torch.randn(m, k), torch.randn(k, n)
    for _ in range(2):
        x @ wm
    best = float('inf')
    for _ in range(5):
        t0 = time.perf_counter()
        x @ wm
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        'samples': samples,
        'matmul': {'m': m, 'k': k, 'n': n, 'bestMs': best * 1000, 'gflops': 2 * m * k * n / best / 1e9},
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'openblasThreads': os.environ.get('OPENBLAS_NUM_THREADS'),
        'blas': [l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower()][:1],
        'params': sum(t.numel() for t in w.values()),
        'rssBeforeMB': before_mb,
        'peakRssMB': rss_mb('VmHWM'),
    }))


def rss_mb(field):
    """A resident-size line of /proc/self/status in MB (2^20 bytes), or None off Linux."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith(field + ':'):
                    return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return None


if __name__ == '__main__':
    main()
