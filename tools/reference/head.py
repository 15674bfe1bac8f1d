#!/usr/bin/python3
"""PyTorch reference for the MMER head (src/mmer/head.ts), written from plain tensor ops in float64.

Run by hand:  /usr/bin/python3 tools/reference/head.py   (Debian python3-torch 1.13; numpy)
Writes test/fixtures/reference/head.json: weights (by the parameter names of src/mmer/params.ts, Linear weights
stored [in, out]), inputs, masks and outputs for two configurations. Every array is float32 little-endian, base64.
Weights and inputs are rounded to float32 *before* the float64 forward pass, so both sides start from identical values.
The weights are drawn larger than BERT's 0.02 init so that every nonlinearity (GELU, softmax, gate) is exercised.
"""
import base64
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
MASK_NEG = -10000.0
POOL_NEG = -9999.9999

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'reference', 'head.json')


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype='<f4').tobytes()).decode('ascii')


def enc(t):
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return {'shape': list(a.shape), 'b64': b64(a)}


# ---- parameter list: must match paramSpecs() in src/mmer/params.ts ----
def linear_specs(name, i, o):
    return [(f'{name}.weight', (i, o), 'w'), (f'{name}.bias', (o,), 'b')]


def ln_specs(name, d):
    return [(f'{name}.weight', (d,), 'g'), (f'{name}.bias', (d,), 'b')]


def block_specs(name, d, ffn):
    s = []
    for p in 'qkvo':
        s += linear_specs(f'{name}.attn.{p}', d, d)
    s += ln_specs(f'{name}.attn_ln', d)
    s += linear_specs(f'{name}.ffn.in', d, ffn) + linear_specs(f'{name}.ffn.out', ffn, d)
    s += ln_specs(f'{name}.ffn_ln', d)
    return s


def param_specs(c):
    d = c['hidden']
    s = []
    if c['audioDim'] != d:
        s += linear_specs('audio_in', c['audioDim'], d)
    for i in range(c['audioLayers']):
        s += block_specs(f'audio_layers.{i}', d, c['ffn'])
    if c['textDim'] != d:
        s += linear_specs('text_in', c['textDim'], d)
    s += block_specs('text_block', d, c['ffn'])
    s += linear_specs('audio_proj_b', d, d) + linear_specs('audio_proj_c', d, d)
    for b in ('block_b', 'block_c', 'block_d'):
        s += block_specs(b, d, c['ffn'])
    s += linear_specs('gate', 2 * d, d) + linear_specs('text_pool', 2 * d, d)
    s += linear_specs('classifier', 2 * d, len(c['labels'])) + linear_specs('ctc', d, c['vocabSize'])
    for p in ('proj_orig', 'proj_aug'):
        s += linear_specs(f'{p}.fc1', 2 * d, d) + linear_specs(f'{p}.fc2', d, d)
    return s


def make_weights(specs, rng):
    w = {}
    for name, shape, kind in specs:
        if kind == 'w':
            a = rng.normal(0.0, 1.0 / math.sqrt(shape[0]), size=shape)
        elif kind == 'g':
            a = 1.0 + rng.normal(0.0, 0.1, size=shape)
        else:
            a = rng.normal(0.0, 0.1, size=shape)
        w[name] = torch.tensor(a.astype(np.float32).astype(np.float64))
    return w


# ---- the model, in plain ops ----
class Head:
    def __init__(self, c, w):
        self.c, self.w = c, w

    def linear(self, name, x):
        return x @ self.w[f'{name}.weight'] + self.w[f'{name}.bias']

    def ln(self, name, x):
        return torch.nn.functional.layer_norm(x, (x.shape[-1],), self.w[f'{name}.weight'], self.w[f'{name}.bias'],
                                              self.c['layerNormEps'])

    def attention(self, name, q_in, kv_in, key_mask):
        b, tq, d = q_in.shape
        h = self.c['heads']
        dh = d // h

        def split(x):
            return x.view(b, x.shape[1], h, dh).permute(0, 2, 1, 3)
        q = split(self.linear(f'{name}.attn.q', q_in))
        k = split(self.linear(f'{name}.attn.k', kv_in))
        v = split(self.linear(f'{name}.attn.v', kv_in))
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
        scores = scores + ((1.0 - key_mask) * MASK_NEG)[:, None, None, :]
        ctx = (self.drop(torch.softmax(scores, dim=-1)) @ v).permute(0, 2, 1, 3).reshape(b, tq, d)
        return self.linear(f'{name}.attn.o', ctx)

    def drop(self, x):
        """A dropout site of src/mmer/head.ts and layers.ts: the identity here (eval mode); bench/torch_head.py's
        training step overrides it."""
        return x

    def block(self, name, q_in, kv_in, key_mask):
        h = self.ln(f'{name}.attn_ln', q_in + self.drop(self.attention(name, q_in, kv_in, key_mask)))
        ff = self.drop(self.linear(f'{name}.ffn.out', torch.nn.functional.gelu(self.linear(f'{name}.ffn.in', h))))
        return self.ln(f'{name}.ffn_ln', h + ff)

    @staticmethod
    def masked_max(x, mask):
        x = x.clone()
        x[mask < 0.5] = POOL_NEG
        return x.max(dim=1).values

    def encode(self, audio, audio_mask, text, text_mask):
        """Audio states, acoustic gate and pooled vector of one view."""
        c = self.c
        a = self.linear('audio_in', audio) if c['audioDim'] != c['hidden'] else audio
        for i in range(c['audioLayers']):
            a = self.block(f'audio_layers.{i}', a, a, audio_mask)
        t = self.linear('text_in', text) if c['textDim'] != c['hidden'] else text
        t = self.drop(t)
        hh = self.block('text_block', t, t, text_mask)
        p = self.block('block_b', hh, self.linear('audio_proj_b', a), audio_mask)
        cc = self.block('block_c', self.linear('audio_proj_c', a), hh, text_mask)
        r = self.block('block_d', hh, cc, audio_mask)
        gate = torch.sigmoid(self.linear('gate', torch.cat([r, p], dim=2)))
        fused = torch.cat([r, gate * p], dim=2)
        pooled = torch.cat([self.masked_max(a, audio_mask),
                            self.linear('text_pool', self.masked_max(fused, text_mask))], dim=1)
        return a, gate, pooled

    def ctc(self, a):
        return self.linear('ctc', self.drop(a))

    def project(self, pooled, view):
        return self.linear(f'proj_{view}.fc2', torch.nn.functional.gelu(self.linear(f'proj_{view}.fc1', pooled)))

    def forward(self, audio, audioMask, text, textMask):  # noqa: N803 (keys of the JSON)
        a, gate, pooled = self.encode(audio, audioMask, text, textMask)
        return {
            'logits': self.linear('classifier', pooled), 'pooled': pooled, 'audioStates': a,
            'ctcLogits': self.ctc(a), 'gate': gate,
            'projOrig': self.project(pooled, 'orig'), 'projAug': self.project(pooled, 'aug'),
        }


def make_inputs(c, rng, ta, tt, audio_lens, text_lens):
    b = len(audio_lens)
    audio = rng.normal(0.0, 1.0, size=(b, ta, c['audioDim'])).astype(np.float32)
    text = rng.normal(0.0, 1.0, size=(b, tt, c['textDim'])).astype(np.float32)
    am = np.zeros((b, ta), np.float32)
    tm = np.zeros((b, tt), np.float32)
    for i, (la, lt) in enumerate(zip(audio_lens, text_lens)):
        am[i, :la] = 1
        tm[i, :lt] = 1
        # Large padding values: any leak through a mask shows up in the comparison at once.
        audio[i, la:] = 50.0
        text[i, lt:] = -50.0
    return {k: torch.tensor(v.astype(np.float64)) for k, v in
            {'audio': audio, 'audioMask': am, 'text': text, 'textMask': tm}.items()}


def main():
    base = dict(labels=['neutral', 'happy', 'sad'], audioDim=12, textDim=10, hidden=16, heads=4, ffn=64,
                dropout=0.1, layerNormEps=1e-12, vocabSize=32, audioLayers=1)
    frozen = dict(base, audioDim=16, textDim=16, audioLayers=0)
    rng = np.random.default_rng(20230820)
    weights = make_weights(param_specs(base), rng)
    # The frozen-features config's parameters are a subset of the full one's (same names, same shapes).
    frozen_names = [n for n, _, _ in param_specs(frozen)]
    assert all(n in weights and tuple(weights[n].shape) == s for n, s, _ in param_specs(frozen))
    cases = []
    for name, c, ta, tt, alens, tlens in (('projected', base, 7, 5, (7, 4), (5, 3)),
                                          ('frozen', frozen, 6, 6, (3, 6), (6, 2))):
        inputs = make_inputs(c, rng, ta, tt, alens, tlens)
        with torch.no_grad():
            outs = Head(c, weights).forward(**inputs)
        cases.append({'name': name, 'config': c, 'inputs': {k: enc(v) for k, v in inputs.items()},
                      'outputs': {k: enc(v) for k, v in outs.items()}})
    doc = {
        'about': 'MMER head reference outputs from tools/reference/head.py (torch %s, float64 compute).' % torch.__version__,
        'params': {n: enc(w) for n, w in weights.items()},
        'frozenParams': frozen_names,
        'cases': cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(doc, f, separators=(',', ':'))
    print('wrote', os.path.relpath(OUT), os.path.getsize(OUT), 'bytes')


if __name__ == '__main__':
    main()
