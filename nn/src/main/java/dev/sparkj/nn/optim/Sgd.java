package dev.sparkj.nn.optim;

import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * SGD as PyTorch 1.13's {@code torch.optim.SGD}: {@code d = g + wd·p}; with momentum the buffer starts as
 * a copy of {@code d} and then becomes {@code μ·buf + (1 - dampening)·d}; Nesterov uses {@code d + μ·buf},
 * plain momentum {@code buf}; {@code p -= lr·d}. SparK's option is momentum 0.9 with Nesterov.
 * Float32 arithmetic, each scalar rounded to float first, every {@code add(x, alpha=a)} of the reference
 * as a fused multiply-add like its kernels.
 */
public final class Sgd extends BaseOptimizer {
    /** SGD's hyper-parameters. */
    public record Options(double momentum, double dampening, boolean nesterov) {
        public Options {
            if (nesterov && (momentum <= 0 || dampening != 0))
                throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening");
        }

        /** SparK's {@code SGD(momentum=0.9, nesterov=True)}. */
        public static Options spark() { return new Options(0.9, 0, true); }

        public static Options plain() { return new Options(0, 0, false); }
    }

    private final Options o;

    public Sgd(List<ParamGroup> groups, Options options) {
        super(groups);
        this.o = options;
    }

    public Options options() { return o; }

    @Override
    public void step() {
        List<Work> fused = new ArrayList<>();
        for (ParamGroup group : groups()) {
            Coeffs k = new Coeffs(group.weightDecay() != 0, (float) group.weightDecay(), o.momentum() != 0,
                    (float) o.momentum(), (float) (1 - o.dampening()), o.nesterov(), (float) -group.lr());
            for (ParamRef p : group.params().values()) {
                Tensor g = p.grad();
                if (g == null) continue;
                Slot s = slot(p);
                Tensor buf = s.tensors.get("momentum_buffer");
                boolean first = k.momentum && buf == null;
                if (first) s.tensors.put("momentum_buffer", buf = zerosLike(p.value()));
                if (fusedFor(p.value(), g) && (!k.momentum || fusedFor(p.value(), buf))) fused.add(new Work(p.value(), g, buf, first, k));
                else composed(p, s, first, k);
            }
        }
        fused(fused);
    }

    private record Work(Tensor p, Tensor g, Tensor buf, boolean first, Coeffs k) {}

    private record Coeffs(boolean decay, float wd, boolean momentum, float mu, float oneMinusDampening,
                          boolean nesterov, float negLr) {}

    /** The fused path over each parameter's value, gradient and momentum buffer, in element ranges on the pool. */
    private static void fused(List<Work> ws) {
        int[] sizes = new int[ws.size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = ws.get(i).p.numel();
        Chunks.Item[] items = Chunks.split(sizes);
        Chunks.run(items, (it, idx) -> {
            Work w = ws.get(it.t());
            Coeffs k = w.k;
            float[] p = Flat.array(w.p), g = Flat.array(w.g), b = k.momentum ? Flat.array(w.buf) : null;
            int po = w.p.offset(), go = w.g.offset(), bo = k.momentum ? w.buf.offset() : 0;
            for (int i = it.lo(); i < it.hi(); i++) {
                float pi = p[po + i];
                float d = g[go + i];
                if (k.decay) d = Math.fma(k.wd, pi, d);
                if (k.momentum) {
                    float bi = w.first ? d : Math.fma(k.oneMinusDampening, d, b[bo + i] * k.mu);
                    b[bo + i] = bi;
                    d = k.nesterov ? Math.fma(k.mu, bi, d) : bi;
                }
                p[po + i] = Math.fma(k.negLr, d, pi);
            }
        });
    }

    private static void composed(ParamRef p, Slot s, boolean first, Coeffs k) {
        Tensor pv = p.value();
        Tensor d = p.grad();
        if (k.decay) d = Fma.axpy(k.wd, pv, d);
        if (k.momentum) {
            Tensor buf = first ? d.copy() : Fma.axpy(k.oneMinusDampening, d, s.tensors.get("momentum_buffer").mul(k.mu));
            s.tensors.put("momentum_buffer", buf);
            d = k.nesterov ? Fma.axpy(k.mu, buf, d) : buf;
        }
        p.set(Fma.axpy(k.negLr, d, pv));
    }
}
