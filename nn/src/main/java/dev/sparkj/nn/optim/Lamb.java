package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * LAMB exactly as timm 0.5.4's {@code Lamb} and SparK's {@code TheSameAsTimmLAMB}: the global gradient
 * norm clips every gradient in place (after the step {@code grad()} holds the clipped gradient); per group
 * {@code m = b1·m + (1-b1)·g}, {@code v = b2·v + (1-b2)·g²},
 * {@code u = (m / bc1) / (sqrt(v) / sqrt(bc2) + eps)}; with weight decay {@code u += wd·p}; with weight
 * decay or {@code alwaysAdapt}, {@code u *= ||p|| / ||u||} (1 when either norm is 0, at most 1 with
 * {@code trustClip}); {@code p -= lr·u}. The step count is shared per group. Arithmetic is float32 with
 * each scalar rounded to float first, operation by operation in the reference's order, and the
 * reference's {@code add_(x, alpha=a)} / {@code addcmul_} as fused multiply-adds (as its kernels compute
 * them); norms are summed in double.
 */
public final class Lamb extends BaseOptimizer {
    /**
     * LAMB's hyper-parameters.
     *
     * @param reciprocalClip SparK multiplies gradients by {@code 1 / c}, timm divides them by {@code c}
     *                       ({@code c = max(1, norm / maxGradNorm)} in float32); the two differ by rounding
     */
    public record Options(double beta1, double beta2, double eps, boolean biasCorrection, boolean gradAveraging,
                          double maxGradNorm, boolean trustClip, boolean alwaysAdapt, boolean reciprocalClip) {
        /** SparK pre-training: {@code TheSameAsTimmLAMB(betas=(0.9, beta2), max_grad_norm=5.0)}, eps 1e-6. */
        public static Options sparkPretrain(double beta2) {
            return new Options(0.9, beta2, 1e-6, true, true, 5.0, false, false, true);
        }

        /** SparK fine-tuning: timm {@code Lamb(max_grad_norm=1e7, always_adapt=True, bias_correction=False)}. */
        public static Options sparkFineTune() {
            return new Options(0.9, 0.999, 1e-6, false, true, 1e7, false, true, false);
        }

        /** timm's defaults: betas (0.9, 0.999), eps 1e-6, max_grad_norm 1.0, bias correction on. */
        public static Options timmDefaults() {
            return new Options(0.9, 0.999, 1e-6, true, true, 1.0, false, false, false);
        }
    }

    private final Options o;
    private float lastGlobalGradNorm;

    public Lamb(List<ParamGroup> groups, Options options) {
        super(groups);
        this.o = options;
    }

    public Options options() { return o; }

    /** The unclipped global gradient norm of the last step (SparK logs it as the grad norm). */
    public double lastGlobalGradNorm() { return lastGlobalGradNorm; }

    @Override
    public void step() {
        // 1. global norm: per-parameter Σg² rounded to float, added in float (the reference's float32 accumulator)
        List<ParamRef> withGrad = new ArrayList<>();
        List<Tensor> fusedGrads = new ArrayList<>();
        for (ParamRef p : parameters()) {
            if (p.grad() == null) continue;
            withGrad.add(p);
            if (fusedFor(p.grad())) fusedGrads.add(p.grad());
        }
        double[] fusedSums = Chunks.sumSquares(fusedGrads);
        float acc = 0f;
        int fi = 0;
        for (ParamRef p : withGrad) {
            Tensor g = p.grad();
            acc += fusedFor(g) ? (float) fusedSums[fi++] : (float) g.square().sum().item();
        }
        float norm = (float) Math.sqrt(acc);
        lastGlobalGradNorm = norm;
        float maxNorm = (float) o.maxGradNorm();
        float c = norm > maxNorm ? norm / maxNorm : 1f;
        float clip = o.reciprocalClip() ? 1f / c : c;

        for (int gi = 0; gi < groups().size(); gi++) {
            ParamGroup group = groups().get(gi);
            Map<String, Double> gs = groupScalars(gi);
            double step = gs.getOrDefault("step", 0.0) + 1;
            gs.put("step", step);
            double bc1 = o.biasCorrection() ? 1 - StrictMath.pow(o.beta1(), step) : 1.0;
            double bc2 = o.biasCorrection() ? 1 - StrictMath.pow(o.beta2(), step) : 1.0;
            Coeffs k = new Coeffs(clip, o.reciprocalClip(), (float) o.beta1(), (float) (o.gradAveraging() ? 1 - o.beta1() : 1.0),
                    (float) o.beta2(), (float) (1 - o.beta2()), (float) bc1, (float) Math.sqrt(bc2), (float) o.eps(),
                    (float) group.weightDecay(), group.weightDecay() != 0, group.weightDecay() != 0 || o.alwaysAdapt(),
                    o.trustClip(), (float) -group.lr());
            List<Tensor[]> fused = new ArrayList<>();
            for (ParamRef p : group.params().values()) {
                Tensor g = p.grad();
                if (g == null) continue;
                Slot s = slot(p);
                if (s.tensors.isEmpty()) {
                    s.tensors.put("exp_avg", zerosLike(p.value()));
                    s.tensors.put("exp_avg_sq", zerosLike(p.value()));
                }
                Tensor m = s.tensors.get("exp_avg"), v = s.tensors.get("exp_avg_sq");
                if (fusedFor(p.value(), g, m, v)) fused.add(new Tensor[]{p.value(), g, m, v});
                else composed(p, s, k);
            }
            fused(fused, k);
        }
    }

    /** One group's float32 coefficients, each rounded from the reference's Python double. */
    private record Coeffs(float clip, boolean reciprocal, float beta1, float beta3, float beta2, float oneMinusBeta2,
                          float bc1, float sqrtBc2, float eps, float wd, boolean decay, boolean adapt, boolean trustClip,
                          float negLr) {
        float trustRatio(float wNorm, float uNorm) {
            float r = wNorm > 0 ? (uNorm > 0 ? wNorm / uNorm : 1f) : 1f;
            return trustClip && r > 1f ? 1f : r;
        }

        /** The update before the trust ratio from the new moments (and the weight for decay). */
        float update(float m, float v, float p) {
            float denom = (float) Math.sqrt(v) / sqrtBc2 + eps;
            float u = m / bc1 / denom;
            return decay ? Math.fma(wd, p, u) : u;
        }
    }

    /**
     * The fused path for a group's parameters {@code {value, grad, exp_avg, exp_avg_sq}}: pass 1 clips the
     * gradient, updates the moments and (when adapting) sums ||p||² and ||u||²; pass 2 recomputes the same
     * {@code u} from the stored moments and applies the trust ratio. Without adaptation pass 1 updates p.
     */
    private static void fused(List<Tensor[]> ps, Coeffs k) {
        int[] sizes = new int[ps.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = ps.get(i)[0].numel();
        Chunks.Item[] items = Chunks.split(sizes);
        double[] pss = new double[items.length], uss = new double[items.length];
        Chunks.run(items, (it, idx) -> {
            Tensor[] t = ps.get(it.t());
            double[] sums = momentsPass(k, Flat.array(t[0]), t[0].offset(), Flat.array(t[1]), t[1].offset(),
                    Flat.array(t[2]), t[2].offset(), Flat.array(t[3]), t[3].offset(), it.lo(), it.hi());
            pss[idx] = sums[0];
            uss[idx] = sums[1];
        });
        if (!k.adapt) return;
        double[] pn = Chunks.combine(items, pss, sizes.length), un = Chunks.combine(items, uss, sizes.length);
        float[] ratio = new float[sizes.length];
        for (int i = 0; i < ratio.length; i++)
            ratio[i] = k.trustRatio((float) Math.sqrt((float) pn[i]), (float) Math.sqrt((float) un[i]));
        Chunks.run(items, (it, idx) -> {
            Tensor[] t = ps.get(it.t());
            applyPass(k, ratio[it.t()], Flat.array(t[0]), t[0].offset(), Flat.array(t[2]), t[2].offset(),
                    Flat.array(t[3]), t[3].offset(), it.lo(), it.hi());
        });
    }

    /*
     * The two passes below run whole vectors with the same float operations as the scalar tail (sqrt, division
     * and fma are correctly rounded either way; (float) Math.sqrt of a float is its correctly rounded float
     * square root), so every element gets the same value as before vectorising. The squared norms are still
     * summed in double one element at a time, in index order.
     */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int VL = F.length();

    /**
     * Pass 1 over elements {@code [lo, hi)}: clips g in place, updates m and v, and either sums
     * {@code ||p||^2, ||u||^2} (returned) or, without adaptation, updates p.
     */
    private static double[] momentsPass(Coeffs k, float[] p, int po, float[] g, int go, float[] m, int mo,
                                        float[] v, int vo, int lo, int hi) {
        double ps2 = 0, us2 = 0;
        int i = lo;
        if (hi - lo >= VL) {
            FloatVector clip = FloatVector.broadcast(F, k.clip), beta1 = FloatVector.broadcast(F, k.beta1);
            FloatVector beta3 = FloatVector.broadcast(F, k.beta3), beta2 = FloatVector.broadcast(F, k.beta2);
            FloatVector omb2 = FloatVector.broadcast(F, k.oneMinusBeta2), negLr = FloatVector.broadcast(F, k.negLr);
            float[] pp = new float[VL], uu = new float[VL];
            for (int end = hi - VL; i <= end; i += VL) {
                FloatVector gv = FloatVector.fromArray(F, g, go + i);
                FloatVector gi = k.reciprocal ? gv.mul(clip) : gv.div(clip);
                gi.intoArray(g, go + i);
                FloatVector mi = beta3.fma(gi, FloatVector.fromArray(F, m, mo + i).mul(beta1));
                FloatVector vi = gi.mul(omb2).fma(gi, FloatVector.fromArray(F, v, vo + i).mul(beta2));
                mi.intoArray(m, mo + i);
                vi.intoArray(v, vo + i);
                FloatVector pi = FloatVector.fromArray(F, p, po + i);
                FloatVector ui = update(k, mi, vi, pi);
                if (k.adapt) {
                    pi.mul(pi).intoArray(pp, 0);
                    ui.mul(ui).intoArray(uu, 0);
                    for (int l = 0; l < VL; l++) {
                        ps2 += pp[l];
                        us2 += uu[l];
                    }
                } else {
                    negLr.fma(ui, pi).intoArray(p, po + i);
                }
            }
        }
        for (; i < hi; i++) {
            float gi = k.reciprocal ? g[go + i] * k.clip : g[go + i] / k.clip;
            g[go + i] = gi;
            float mi = Math.fma(k.beta3, gi, m[mo + i] * k.beta1);
            float vi = Math.fma(k.oneMinusBeta2 * gi, gi, v[vo + i] * k.beta2);
            m[mo + i] = mi;
            v[vo + i] = vi;
            float pi = p[po + i];
            float ui = k.update(mi, vi, pi);
            if (k.adapt) {
                ps2 += pi * pi;
                us2 += ui * ui;
            } else {
                p[po + i] = Math.fma(k.negLr, ui, pi);
            }
        }
        return new double[]{ps2, us2};
    }

    /** Pass 2 over elements {@code [lo, hi)}: {@code p += -lr * u * r} with u recomputed from the stored moments. */
    private static void applyPass(Coeffs k, float r, float[] p, int po, float[] m, int mo, float[] v, int vo, int lo, int hi) {
        int i = lo;
        if (hi - lo >= VL) {
            FloatVector rv = FloatVector.broadcast(F, r), negLr = FloatVector.broadcast(F, k.negLr);
            for (int end = hi - VL; i <= end; i += VL) {
                FloatVector pi = FloatVector.fromArray(F, p, po + i);
                FloatVector u = update(k, FloatVector.fromArray(F, m, mo + i), FloatVector.fromArray(F, v, vo + i), pi);
                negLr.fma(u.mul(rv), pi).intoArray(p, po + i);
            }
        }
        for (; i < hi; i++) {
            float pi = p[po + i];
            p[po + i] = Math.fma(k.negLr, k.update(m[mo + i], v[vo + i], pi) * r, pi);
        }
    }

    /** {@link Coeffs#update} on whole vectors. */
    private static FloatVector update(Coeffs k, FloatVector m, FloatVector v, FloatVector p) {
        FloatVector denom = v.sqrt().div(k.sqrtBc2).add(k.eps);
        FloatVector u = m.div(k.bc1).div(denom);
        return k.decay ? FloatVector.broadcast(F, k.wd).fma(p, u) : u;
    }

    private static void composed(ParamRef p, Slot s, Coeffs k) {
        Tensor pv = p.value();
        Tensor g = k.reciprocal ? p.grad().mul(k.clip) : p.grad().div(k.clip);
        p.setGrad(g);
        Tensor m = Fma.axpy(k.beta3, g, s.tensors.get("exp_avg").mul(k.beta1));
        Tensor v = Fma.mulAdd(g.mul(k.oneMinusBeta2), g, s.tensors.get("exp_avg_sq").mul(k.beta2));
        s.tensors.put("exp_avg", m);
        s.tensors.put("exp_avg_sq", v);
        Tensor denom = v.sqrt().div(k.sqrtBc2).add(k.eps);
        Tensor u = m.div(k.bc1).div(denom);
        if (k.decay) u = Fma.axpy(k.wd, pv, u);
        if (k.adapt) {
            float wNorm = (float) Math.sqrt((float) pv.square().sum().item());
            float uNorm = (float) Math.sqrt((float) u.square().sum().item());
            u = u.mul(k.trustRatio(wNorm, uNorm));
        }
        p.set(Fma.axpy(k.negLr, u, pv));
    }
}
