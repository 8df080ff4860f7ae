package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW as timm 0.5.4's {@code AdamW} and PyTorch 1.13's {@code torch.optim.AdamW} compute it (no amsgrad):
 * decoupled decay {@code p *= 1 - lr·wd}; per parameter step {@code t};
 * {@code m = b1·m + (1-b1)·g}, {@code v = b2·v + (1-b2)·g²},
 * {@code p += (-(lr / (1-b1^t))·m) / (sqrt(v) / sqrt(1-b2^t) + eps)}. Float32 arithmetic, each scalar
 * rounded to float first, operation by operation in the reference's order, the moment updates
 * ({@code add_(g, alpha=1-b1)}, {@code addcmul_}) as fused multiply-adds like the reference's kernels.
 */
public final class AdamW extends BaseOptimizer {
    /** AdamW's hyper-parameters (PyTorch defaults: 0.9, 0.999, 1e-8). */
    public record Options(double beta1, double beta2, double eps) {
        public static Options defaults() { return new Options(0.9, 0.999, 1e-8); }

        /** SparK's {@code AdamW(betas=(0.9, beta2))}. */
        public static Options withBeta2(double beta2) { return new Options(0.9, beta2, 1e-8); }
    }

    private final Options o;

    public AdamW(List<ParamGroup> groups, Options options) {
        super(groups);
        this.o = options;
    }

    public Options options() { return o; }

    @Override
    public void step() {
        List<Work> fused = new ArrayList<>();
        for (ParamGroup group : groups()) {
            float decay = (float) (1 - group.lr() * group.weightDecay());
            for (ParamRef p : group.params().values()) {
                Tensor g = p.grad();
                if (g == null) continue;
                Slot s = slot(p);
                if (s.tensors.isEmpty()) {
                    s.scalars.put("step", 0.0);
                    s.tensors.put("exp_avg", zerosLike(p.value()));
                    s.tensors.put("exp_avg_sq", zerosLike(p.value()));
                }
                double step = s.scalars.get("step") + 1;
                s.scalars.put("step", step);
                double bc1 = 1 - StrictMath.pow(o.beta1(), step);
                double bc2 = 1 - StrictMath.pow(o.beta2(), step);
                Coeffs k = new Coeffs(decay, (float) o.beta1(), (float) (1 - o.beta1()), (float) o.beta2(),
                        (float) (1 - o.beta2()), (float) Math.sqrt(bc2), (float) o.eps(), (float) -(group.lr() / bc1));
                Tensor m = s.tensors.get("exp_avg"), v = s.tensors.get("exp_avg_sq");
                if (fusedFor(p.value(), g, m, v)) fused.add(new Work(new Tensor[]{p.value(), g, m, v}, k));
                else composed(p, s, k);
            }
        }
        fused(fused);
    }

    private record Work(Tensor[] t, Coeffs k) {}

    private record Coeffs(float decay, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                          float sqrtBc2, float eps, float negStepSize) {}

    /** The fused path: {@code {value, grad, exp_avg, exp_avg_sq}} per parameter, in element ranges on the pool. */
    private static void fused(List<Work> ws) {
        int[] sizes = new int[ws.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = ws.get(i).t[0].numel();
        Chunks.Item[] items = Chunks.split(sizes);
        Chunks.run(items, (it, idx) -> {
            Tensor[] t = ws.get(it.t()).t;
            Coeffs k = ws.get(it.t()).k;
            float[] p = Flat.array(t[0]), g = Flat.array(t[1]), m = Flat.array(t[2]), v = Flat.array(t[3]);
            int po = t[0].offset(), go = t[1].offset(), mo = t[2].offset(), vo = t[3].offset();
            for (int i = it.lo(); i < it.hi(); i++) {
                float gi = g[go + i];
                float pi = p[po + i] * k.decay;
                float mi = Math.fma(k.oneMinusBeta1, gi, m[mo + i] * k.beta1);
                float vi = Math.fma(k.oneMinusBeta2 * gi, gi, v[vo + i] * k.beta2);
                m[mo + i] = mi;
                v[vo + i] = vi;
                float denom = (float) Math.sqrt(vi) / k.sqrtBc2 + k.eps;
                p[po + i] = pi + k.negStepSize * mi / denom;
            }
        });
    }

    private static void composed(ParamRef p, Slot s, Coeffs k) {
        Tensor g = p.grad();
        Tensor pv = p.value().mul(k.decay);
        Tensor m = Fma.axpy(k.oneMinusBeta1, g, s.tensors.get("exp_avg").mul(k.beta1));
        Tensor v = Fma.mulAdd(g.mul(k.oneMinusBeta2), g, s.tensors.get("exp_avg_sq").mul(k.beta2));
        s.tensors.put("exp_avg", m);
        s.tensors.put("exp_avg_sq", v);
        Tensor denom = v.sqrt().div(k.sqrtBc2).add(k.eps);
        p.set(pv.add(m.mul(k.negStepSize).div(denom)));
    }
}
