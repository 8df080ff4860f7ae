"""Make one conformance fixture (shared/docs/golden-format.md) whose expected outputs come from the
reference SparK run in float64.

The model, its random state, the input and the mask are built exactly as
shared/reference/make_golden.py builds them in float32 (same seeds, same calls), and
`state.safetensors` / `input` hold those float32 values. Then the model and the input are converted
to float64 (exact) and the forward, backward, BatchNorm buffer update, LAMB step and eval
reconstruction run in float64; every expected output is saved as float32. The expected values are
thus the exact result for the float32 inputs up to one float32 rounding, instead of one particular
float32 evaluation order (whose rounding dominates ill-conditioned cases). (One detail stays float32:
the reference LAMB sums the global gradient norm into a float32 buffer, so the clip factor carries
one float32 rounding, about 1e-7 relative, common to all parameters.)

  SPARK_REF=/path/to/ref /usr/bin/python3 tests/golden/make_golden_f64.py spark --model resnet18 \
      --width-div 16 --size 96 --batch 3 --mask 0.4 --width 32 --seed 5 \
      --out tests/golden/spark_r18d16_96_b3_m40_w32_s5 --check-conditioning --top 10

Flags are those of make_golden.py, plus `--check-conditioning`: also run the float32 path (as
make_golden.py does, 2 torch threads, and again with 1 thread, which rounds differently: a second
float32 draw) and print, per output tensor, the error of each float32 run against the float64
outputs under check_golden.py's rules, as error / tol. A fixture is well-conditioned when every
ratio is <= 1/4, i.e. the reference's own float32 runs would pass check_golden against the float64
outputs with a 4x margin.

The reference tooling (make_golden.py, st.py, ref_env.py) is imported, not copied: from
$SPARK_REF_TOOLS, else shared/reference inside the repository, else ../shared/reference next to it.
SPARK_REF must point at the reference sources as for make_golden.py."""
import argparse, contextlib, importlib.util, io as _io, os, sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARGIN = 4.0  # well-conditioned: every float32-vs-float64 ratio <= 1 / MARGIN


def load_make_golden():
    cands = [os.environ.get('SPARK_REF_TOOLS', ''), os.path.join(REPO, 'shared', 'reference'),
             os.path.join(REPO, '..', 'shared', 'reference')]
    for d in cands:
        if d and os.path.isfile(os.path.join(d, 'make_golden.py')):
            d = os.path.abspath(d)
            if d not in sys.path:
                sys.path.insert(0, d)  # make_golden imports ref_env and st as top-level modules
            spec = importlib.util.spec_from_file_location('make_golden', os.path.join(d, 'make_golden.py'))
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return mod
    sys.exit('make_golden.py not found: set SPARK_REF_TOOLS to the shared/reference folder')


mg = load_make_golden()
torch = mg.torch


def quiet():
    """Silences the reference's construction messages (SparK, param groups, LAMB) on stdout."""
    return contextlib.redirect_stdout(_io.StringIO())


def _start(a):
    torch.manual_seed(a.seed)
    return torch.Generator().manual_seed(a.seed)


def run_spark(a, dtype):
    """One spark fixture; returns (state0 float32, io, case). Expected outputs are in `dtype`."""
    g = _start(a)
    with quiet():
        cnn, arch = mg.build_cnn(a, for_spark=True)
        enc = mg.encoder.SparseEncoder(cnn, input_size=a.size, sbn=False)
        dec = mg.LightDecoder(enc.downsample_raito, width=a.width, sbn=False)
        norm = 'ln' if arch['family'] == 'convnext' else 'bn'
        m = mg.SparK(enc, dec, mask_ratio=a.mask, densify_norm=norm, sbn=False)
    mg.perturb(m, g)
    state0 = {k: v.clone() for k, v in m.state_dict().items()}
    x = torch.randn(a.batch, 3, a.size, a.size, generator=g)
    active = m.mask(a.batch, 'cpu', generator=g)
    io = {'input': x, 'active': active.to(torch.uint8)}
    m.to(dtype)
    xd = x.to(dtype)

    m.train()
    loss = m(xd, active_b1ff=active)
    loss.backward()
    io['loss'] = loss.detach().reshape(())
    for n, p in m.named_parameters():
        io['grad.' + n] = p.grad.detach().clone()  # before LAMB clips them in place
    for n, b in m.named_buffers():
        if 'running' in n or 'num_batches' in n:
            io['after.' + n] = b.clone()

    betas = (0.9, 0.999) if arch['family'] == 'convnext' else (0.9, 0.95)
    with quiet():
        groups = mg.get_param_groups(m, nowd_keys={'cls_token', 'pos_embed', 'mask_token', 'gamma'})
        opt = mg.lamb.TheSameAsTimmLAMB(groups, lr=a.lr, betas=betas, max_grad_norm=5.0, weight_decay=0.0)
    for pg in opt.param_groups:
        pg['lr'] = a.lr * pg.get('lr_scale', 1); pg['weight_decay'] = a.wd * pg.get('weight_decay_scale', 1)
    opt.step()
    for n, p in m.named_parameters():
        io['step.' + n] = p.detach().clone()

    m.load_state_dict(state0)  # copies the float32 state into the model's dtype (exact)
    m.eval()
    with torch.no_grad():
        _, masked, rec_or_inp = m(xd, active_b1ff=active, vis=True)
    io['vis.masked'] = masked; io['vis.rec_or_inp'] = rec_or_inp
    case = dict(kind='spark', model=a.model, arch=arch, input_size=[a.size, a.size], batch=a.batch,
                mask_ratio=a.mask, decoder_width=a.width, densify_norm=norm, sbn=False, drop_path=0.0,
                optimizer=dict(name='lamb', lr=a.lr, weight_decay=a.wd, betas=list(betas), eps=1e-6, max_grad_norm=5.0),
                seed=a.seed)
    return state0, io, case


def run_classify(a, dtype):
    g = _start(a)
    with quiet():
        m, arch = mg.build_cnn(a, for_spark=False)
    mg.perturb(m, g)
    state0 = {k: v.clone() for k, v in m.state_dict().items()}
    x = torch.randn(a.batch, 3, a.size, a.size, generator=g)
    y = torch.randint(0, a.classes, (a.batch,), generator=g)
    io = {'input': x, 'labels': y}
    m.to(dtype)
    xd = x.to(dtype)

    def fwd(inp):
        if arch['family'] == 'resnet':
            return mg.TIMM_RESNET_FORWARD(m, inp)  # timm's own forward (the reference patches ResNet.forward)
        feats = m(inp, hierarchical=True)[-1]
        return m.fc(m.norm(feats.mean([-2, -1])))

    m.eval()
    with torch.no_grad():
        io['logits_eval'] = fwd(xd)
    m.train()
    logits = fwd(xd)
    loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    io['logits_train'] = logits.detach(); io['loss'] = loss.detach().reshape(())
    for n, p in m.named_parameters():
        io['grad.' + n] = p.grad.detach().clone()
    for n, b in m.named_buffers():
        if 'running' in n or 'num_batches' in n:
            io['after.' + n] = b.clone()
    case = dict(kind='classify', model=a.model, arch=arch, input_size=[a.size, a.size], batch=a.batch,
                num_classes=a.classes, loss='cross_entropy', seed=a.seed)
    return state0, io, case


def to_f32(io):
    return {k: (v.float() if v.is_floating_point() else v) for k, v in io.items()}


def ratios(ref, got, state):
    """check_golden.py's rules: [(err / tol, err, tol, name)] of `got` against the fixture outputs `ref`."""
    out = []
    for k, r in ref.items():
        if k in ('input', 'active', 'labels'):
            continue
        r64 = r.double(); g = got[k].double().reshape(r.shape)
        if k.startswith('step.'):
            scale = (r64 - state[k[5:]].double()).abs().max().item() + 1e-12; tol = 1e-2
        elif k == 'loss':
            scale = abs(r64.item()) + 1e-12; tol = 1e-4
        else:
            scale = r64.abs().max().item() + 1e-8; tol = 2e-3
        err = (g - r64).abs().max().item() / scale
        out.append((err / tol, err, tol, k))
    out.sort(reverse=True)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('kind', choices=['spark', 'classify'])
    ap.add_argument('--model', default='resnet18', help='timm resnet name, convnext_{tiny,small,base,large}, or convnext (with --dims/--depths)')
    ap.add_argument('--width-div', type=int, default=1)
    ap.add_argument('--dims', default='16,32,64,128'); ap.add_argument('--depths', default='1,1,2,1')
    ap.add_argument('--size', type=int, default=64); ap.add_argument('--batch', type=int, default=2)
    ap.add_argument('--mask', type=float, default=0.6); ap.add_argument('--width', type=int, default=64)
    ap.add_argument('--classes', type=int, default=10)
    ap.add_argument('--lr', type=float, default=2e-3); ap.add_argument('--wd', type=float, default=0.04)
    ap.add_argument('--seed', type=int, default=0); ap.add_argument('--out', required=True)
    ap.add_argument('--check-conditioning', action='store_true',
                    help='also run in float32 and print its error against the float64 outputs, per tensor')
    ap.add_argument('--f32-threads', default='2,1',
                    help='with --check-conditioning: torch thread counts of the float32 runs, one run each (default 2,1: '
                         "make_golden's own setting, then a second rounding draw)")
    ap.add_argument('--top', type=int, default=0, help='with --check-conditioning: print only the N worst tensors (0: all)')
    a = ap.parse_args()
    torch.set_num_threads(2)
    run = run_spark if a.kind == 'spark' else run_classify

    state0, io, case = run(a, torch.float64)
    io32 = to_f32(io)
    case['reference_dtype'] = 'float64'
    mg.write(a.out, state0, io32, case)
    print(a.out, 'loss', f"{float(io['loss']):.6f}", 'f64')

    if a.check_conditioning:
        threads = [int(n) for n in a.f32_threads.split(',')]
        draws = []
        for n in threads:
            torch.set_num_threads(n)
            s32, io_f32, _ = run(a, torch.float32)
            assert all(torch.equal(s32[k], state0[k]) for k in state0) and torch.equal(io_f32['input'], io['input']), \
                'float32 and float64 runs started from different states'
            draws.append({k: q for q, _, _, k in ratios(io32, io_f32, state0)})
        torch.set_num_threads(2)
        names = sorted(draws[0], key=lambda k: -max(d[k] for d in draws))
        shown = names[:a.top] if a.top else names
        print('  error / tol of float32 vs float64 (check_golden rules), per float32 run: ' +
              ', '.join(f'{n} thread{"s" if n > 1 else ""}' for n in threads))
        for k in shown:
            print('  ' + '  '.join(f'{d[k]:9.3e}' for d in draws) + '  ' + k)
        if len(names) > len(shown):
            print(f'  ... {len(names) - len(shown)} more')
        worst = [max(d.values()) for d in draws]
        wk = names[0]
        ok = max(worst) <= 1 / MARGIN
        print(f'conditioning {os.path.basename(a.out.rstrip("/"))}: worst f32-vs-f64 ratio '
              + ' / '.join(f'{w:.3e}' for w in worst) + f' ({wk}); '
              f'{"well-conditioned" if ok else "ILL-CONDITIONED"} (limit {1 / MARGIN:g} in every run), {len(names)} tensors')


if __name__ == '__main__':
    main()
