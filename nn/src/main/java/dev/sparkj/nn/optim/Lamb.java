package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

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
    private float[] scratch = new float[0];

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
        float acc = 0f;
        for (ParamRef p : parameters()) {
            Tensor g = p.grad();
            if (g == null) continue;
            acc += fusedFor(g) ? Flat.sumSquares(g) : (float) g.square().sum().item();
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
            for (ParamRef p : group.params().values()) {
                Tensor g = p.grad();
                if (g == null) continue;
                Slot s = slot(p);
                if (s.tensors.isEmpty()) {
                    s.tensors.put("exp_avg", zerosLike(p.value()));
                    s.tensors.put("exp_avg_sq", zerosLike(p.value()));
                }
                Tensor m = s.tensors.get("exp_avg"), v = s.tensors.get("exp_avg_sq");
                if (fusedFor(p.value(), g, m, v)) fused(p.value(), g, m, v, k);
                else composed(p, s, k);
            }
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
    }

    private void fused(Tensor pv, Tensor gt, Tensor mt, Tensor vt, Coeffs k) {
        int n = pv.numel();
        float[] p = Flat.array(pv), g = Flat.array(gt), m = Flat.array(mt), v = Flat.array(vt);
        int po = pv.offset(), go = gt.offset(), mo = mt.offset(), vo = vt.offset();
        if (scratch.length < n) scratch = new float[n];
        float[] u = scratch;
        double pss = 0, uss = 0;
        for (int i = 0; i < n; i++) {
            float gi = k.reciprocal ? g[go + i] * k.clip : g[go + i] / k.clip;
            g[go + i] = gi;
            float mi = Math.fma(k.beta3, gi, m[mo + i] * k.beta1);
            float vi = Math.fma(k.oneMinusBeta2 * gi, gi, v[vo + i] * k.beta2);
            m[mo + i] = mi;
            v[vo + i] = vi;
            float denom = (float) Math.sqrt(vi) / k.sqrtBc2 + k.eps;
            float ui = mi / k.bc1 / denom;
            float pi = p[po + i];
            if (k.decay) ui = Math.fma(k.wd, pi, ui);
            u[i] = ui;
            pss += pi * pi;
            uss += ui * ui;
        }
        float ratio = 1f;
        if (k.adapt) ratio = k.trustRatio((float) Math.sqrt((float) pss), (float) Math.sqrt((float) uss));
        for (int i = 0; i < n; i++) {
            float ui = k.adapt ? u[i] * ratio : u[i];
            p[po + i] = Math.fma(k.negLr, ui, p[po + i]);
        }
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
