package dev.sparkj.bench;

import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNormOps;
import dev.sparkj.nn.BatchStats;
import dev.sparkj.nn.optim.Lamb;
import dev.sparkj.nn.optim.ParamGroup;
import dev.sparkj.nn.optim.ParamRef;
import dev.sparkj.sparse.ActiveMask;
import dev.sparkj.sparse.SparseLayout;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.BinaryOp;
import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;
import dev.sparkj.tensor.cpu.Sgemm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmarks of the kernels a SparK pre-training step spends its time in, each called through the
 * public API ({@link Tensor}, {@link Lamb}), plus the two limits of the machine they are judged against:
 * this project's {@link Sgemm} at 2048^3 (for compute-bound kernels) and a STREAM-like triad (for
 * memory-bound kernels). {@link KernelLimits} runs them and turns the average times into GFLOP/s or GB/s
 * with {@link #work}.
 *
 * <p>Counting conventions (nominal, independent of how a kernel is implemented):
 * <ul>
 *   <li>Convolutions: 2 flops per multiply-add of the direct convolution, {@code 2·N·HO·WO·O·(C/g)·KH·KW};
 *       a gradient counts the same as its forward.</li>
 *   <li>Memory-bound ops: 4 bytes per float32 element of every operand read and every result written,
 *       each op of the sequence counted once (an op that internally passes over its input twice, such
 *       as {@code var}, is still counted once; allocating and zeroing the result is not counted).</li>
 *   <li>Triad {@code a[i] = b[i] + s·c[i]}: 12 bytes per element, as STREAM counts it (the
 *       write-allocate read of {@code a} is not counted).</li>
 * </ul>
 *
 * <p>All activations are channels-last (NHWC), as the nn modules keep them; batch 4. Threads follow
 * {@code -Dsparkj.threads} of the forked JVM (default: all cores). Each benchmark returns its result so
 * that JMH consumes it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class KernelBench {
    /** Batch size of every activation tensor. */
    public static final int BATCH = 4;

    /** Which limit a kernel is compared with. */
    public enum Bound { COMPUTE, MEMORY }

    /**
     * The nominal work of one call: flops ({@link Bound#COMPUTE}) or bytes ({@link Bound#MEMORY}).
     *
     * @param what a human-readable description for tables
     */
    public record Work(Bound bound, double amount, String what) {}

    // ------------------------------------------------------------------ shapes

    /** Dense 3x3 conv shapes of SparK's light decoder (width 768 at 224 px): {@code HxWxC}, C -> C. */
    public static final String[] DENSE_SHAPES = {"56x56x192", "224x224x48"};

    /** Transposed 4x4 stride-2 conv of the decoder stage 28x28 -> 56x56, 192 -> 192 channels. */
    static final int TC_H = 28, TC_C = 192;

    /** ConvNeXt-T stage-1 depthwise 7x7: 56x56, 96 channels. */
    static final int DW_H = 56, DW_C = 96;

    /** Sparse (packed-row) 3x3 convolution: ResNet-50's stage-1 3x3, 56x56, 64 -> 64 channels, under SparK's mask. */
    static final int SP_H = 56, SP_C = 64;
    /** BatchNorm and elementwise ops: the decoder's 224x224 level with 48 channels (38.5 MB per tensor). */
    static final int EW_H = 224, EW_C = 48;

    /** LAMB: one group of conv-like weights, about 25.8 M parameters (ResNet-50 has 25.6 M). */
    static final int[][] LAMB_SHAPES = {
        {1024, 1024, 3, 3}, {768, 768, 3, 3}, {768, 768, 3, 3}, {512, 512, 3, 3}, {512, 512, 3, 3}, {1024, 1024},
    };

    /** Sgemm reference: square 2048. */
    static final int GEMM = 2048;

    /** Triad reference: three arrays of 64 MiB each. */
    static final int TRIAD_N = 16 << 20;

    /** Elements of the BatchNorm / elementwise tensors. */
    static long ewElements() { return (long) BATCH * EW_C * EW_H * EW_H; }

    static long lambParams() {
        long n = 0;
        for (int[] s : LAMB_SHAPES) {
            long k = 1;
            for (int d : s) k *= d;
            n += k;
        }
        return n;
    }

    /**
     * The nominal work of one call of benchmark method {@code method} (its simple name) with JMH parameters
     * {@code params} (only {@code shape} is used, by the dense convolutions).
     */
    public static Work work(String method, Map<String, String> params) {
        long ew = ewElements();
        switch (method) {
            case "conv3x3Forward", "conv3x3BackwardInput", "conv3x3BackwardWeight" -> {
                int[] s = parseShape(params.get("shape"));
                double flop = 2.0 * BATCH * s[0] * s[1] * s[2] * s[2] * 9;
                String pass = method.substring("conv3x3".length());
                return new Work(Bound.COMPUTE, flop, "conv 3x3 " + s[2] + "->" + s[2] + " " + s[0] + "x" + s[1] + " " + pass);
            }
            case "convTranspose4x4Forward" -> {
                // each of the N·H·W input pixels feeds a 4x4 patch of each of the C output channels from C inputs
                double flop = 2.0 * BATCH * TC_H * TC_H * TC_C * TC_C * 16;
                return new Work(Bound.COMPUTE, flop, "convT 4x4 s2 " + TC_C + "->" + TC_C + " " + TC_H + "->" + 2 * TC_H + " Forward");
            }
            case "depthwise7x7Forward", "depthwise7x7BackwardInput", "depthwise7x7BackwardWeight" -> {
                double flop = 2.0 * BATCH * DW_H * DW_H * DW_C * 49;
                return new Work(Bound.COMPUTE, flop, "depthwise 7x7 C" + DW_C + " " + DW_H + "x" + DW_H + " "
                        + method.substring("depthwise7x7".length()));
            }
            case "sparseConv3x3Forward", "sparseConv3x3ForwardBackward" -> {
                // per visible output row: 9 taps x C inputs x O outputs; forward + both gradients = 3 times that
                double flop = 2.0 * sparseRows(SP_H) * SP_C * SP_C * 9 * (method.endsWith("Backward") ? 3 : 1);
                return new Work(Bound.COMPUTE, flop, "sparse conv 3x3 " + SP_C + "->" + SP_C + " " + SP_H + "x" + SP_H + " "
                        + sparseRows(SP_H) + " rows " + method.substring("sparseConv3x3".length()));
            }
            case "sparseDepthwise7x7Forward", "sparseDepthwise7x7ForwardBackward" -> {
                double flop = 2.0 * sparseRows(DW_H) * DW_C * 49 * (method.endsWith("Backward") ? 3 : 1);
                return new Work(Bound.COMPUTE, flop, "sparse depthwise 7x7 C" + DW_C + " " + DW_H + "x" + DW_H + " "
                        + sparseRows(DW_H) + " rows " + method.substring("sparseDepthwise7x7".length()));
            }
            case "sgemm2048" -> {
                return new Work(Bound.COMPUTE, 2.0 * GEMM * GEMM * GEMM, "Sgemm " + GEMM + "^3 (reference)");
            }
            case "batchNormStats" -> {
                // one read of x; the [C] results are negligible
                return new Work(Bound.MEMORY, 4.0 * ew, "BN stats (one pass)");
            }
            case "batchNormNormalize" -> {
                // read x, write y
                return new Work(Bound.MEMORY, 4.0 * 2 * ew, "BN normalize: (x-mean)*a+b");
            }
            case "batchNormForwardBackward" -> {
                // stats r1; normalize r1 w1; sums r2; input gradient r2 w1 -> 6 reads, 2 writes
                return new Work(Bound.MEMORY, 4.0 * 8 * ew, "BN forward + backward (batch stats)");
            }
            case "batchNormRelu6ForwardBackward" -> {
                // the same passes; the clamp and the gate ride along
                return new Work(Bound.MEMORY, 4.0 * 8 * ew, "BN + ReLU6 in one op, forward + backward");
            }
            case "add" -> {
                return new Work(Bound.MEMORY, 4.0 * 3 * ew, "add a+b");
            }
            case "relu" -> {
                return new Work(Bound.MEMORY, 4.0 * 2 * ew, "relu");
            }
            case "relu6Grad" -> {
                return new Work(Bound.MEMORY, 4.0 * 3 * ew, "apply(RELU6_GRAD, gy, x)");
            }
            case "lambStep" -> {
                // global norm reads g; pass 1 reads g,m,v,p and writes g,m,v; pass 2 reads p,m,v and writes p
                return new Work(Bound.MEMORY, 4.0 * 12 * lambParams(), "LAMB step, " + lambParams() + " params");
            }
            case "triad", "triad1Thread" -> {
                return new Work(Bound.MEMORY, 12.0 * TRIAD_N, method.equals("triad") ? "triad a=b+s*c (reference)" : "triad, 1 thread");
            }
            default -> throw new IllegalArgumentException("no work count for benchmark " + method);
        }
    }

    /** {@code HxWxC} to {@code {H, W, C}}. */
    static int[] parseShape(String s) {
        String[] p = s.split("x");
        if (p.length != 3) throw new IllegalArgumentException("shape must be HxWxC: " + s);
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    // ------------------------------------------------------------------ dense 3x3 convolution

    /** A 3x3, stride 1, pad 1 convolution C -> C on {@code [BATCH, C, H, W]} NHWC. */
    @State(Scope.Benchmark)
    public static class DenseConv {
        @Param({"56x56x192", "224x224x48"})
        public String shape;

        Tensor x, w, gy;
        final Conv2dSpec spec = Conv2dSpec.of(1, 1, 1);

        @Setup
        public void setup() {
            int[] s = parseShape(shape);
            int h = s[0], wd = s[1], c = s[2];
            Rng rng = new Rng(1);
            x = rng.normal(0, 1, BATCH, c, h, wd).toChannelsLast();
            w = rng.normal(0, 0.02, c, c, 3, 3);
            gy = rng.normal(0, 1, BATCH, c, h, wd).toChannelsLast();
        }
    }

    @Benchmark
    public Tensor conv3x3Forward(DenseConv s) {
        return s.x.conv2d(s.w, null, s.spec);
    }

    @Benchmark
    public Tensor conv3x3BackwardInput(DenseConv s) {
        return s.gy.conv2dBackwardInput(s.w, s.spec, s.x.shape());
    }

    @Benchmark
    public Tensor conv3x3BackwardWeight(DenseConv s) {
        return s.gy.conv2dBackwardWeight(s.x, s.spec, s.w.shape());
    }

    // ------------------------------------------------------------------ transposed 4x4 stride-2 convolution

    /**
     * The decoder's up-sampling {@code ConvTranspose2d(C, C, 4, stride 2, pad 1)}: its forward is the input
     * gradient of the conv2d that maps {@code [N, C, 2H, 2W]} to {@code [N, C, H, W]} with the same weight
     * (read as {@code [O = C_in, C_out, 4, 4]}), exactly as {@code ConvOps.convTranspose2d} computes it.
     */
    @State(Scope.Benchmark)
    public static class TransposedConv {
        Tensor x, w;
        int[] outShape;
        final Conv2dSpec spec = Conv2dSpec.of(2, 1, 1);

        @Setup
        public void setup() {
            Rng rng = new Rng(2);
            x = rng.normal(0, 1, BATCH, TC_C, TC_H, TC_H).toChannelsLast();
            w = rng.normal(0, 0.02, TC_C, TC_C, 4, 4);
            outShape = new int[] {BATCH, TC_C, 2 * TC_H, 2 * TC_H};
        }
    }

    @Benchmark
    public Tensor convTranspose4x4Forward(TransposedConv s) {
        return s.x.conv2dBackwardInput(s.w, s.spec, s.outShape);
    }

    // ------------------------------------------------------------------ depthwise 7x7 convolution

    /** ConvNeXt's depthwise 7x7, pad 3, groups = C. */
    @State(Scope.Benchmark)
    public static class Depthwise {
        Tensor x, w, b, gy;
        final Conv2dSpec spec = Conv2dSpec.of(1, 3, DW_C);

        @Setup
        public void setup() {
            Rng rng = new Rng(3);
            x = rng.normal(0, 1, BATCH, DW_C, DW_H, DW_H).toChannelsLast();
            gy = rng.normal(0, 1, BATCH, DW_C, DW_H, DW_H).toChannelsLast();
            w = rng.normal(0, 0.02, DW_C, 1, 7, 7);
            b = rng.normal(0, 1, DW_C);
        }
    }

    @Benchmark
    public Tensor depthwise7x7Forward(Depthwise s) {
        return s.x.conv2d(s.w, s.b, s.spec);
    }

    @Benchmark
    public Tensor depthwise7x7BackwardInput(Depthwise s) {
        return s.gy.conv2dBackwardInput(s.w, s.spec, s.x.shape());
    }

    @Benchmark
    public Tensor depthwise7x7BackwardWeight(Depthwise s) {
        return s.gy.conv2dBackwardWeight(s.x, s.spec, s.w.shape());
    }

    // ------------------------------------------------------------------ sparse convolutions on packed rows

    /** SparK's mask on a 7x7 grid of patches: 60 % of them masked, seeded, {@link #BATCH} images. */
    static ActiveMask sparseMask() { return ActiveMask.random(BATCH, 7, 7, 0.6, new Rng(2)); }

    /** Visible positions of an {@code h x h} map under {@link #sparseMask}: the rows a packed map holds. */
    static long sparseRows(int h) { return (long) sparseMask().visibleCount() * (h / 7) * (h / 7); }

    /**
     * Packed-row inputs under {@link #sparseMask}, as the encoder sees them: a 3x3 convolution of ResNet-50's
     * first stage and a depthwise 7x7 of ConvNeXt's. The "ForwardBackward" benchmarks run the op and its
     * backward (input and weight gradients), as a training step does.
     */
    @State(Scope.Benchmark)
    public static class Sparse {
        Variable x3, w3, xdw, wdw, bdw;
        SparseLayout l3, ldw;
        Tensor g3, gdw;
        final Conv2dSpec spec3 = Conv2dSpec.of(1, 1, 1), specDw = Conv2dSpec.of(1, 3, DW_C);

        @Setup
        public void setup() {
            Rng rng = new Rng(5);
            ActiveMask mask = sparseMask();
            SparseMap a = SparseMap.of(Variable.of(rng.normal(0, 1, BATCH, SP_C, SP_H, SP_H)), mask, SparseMap.Mode.PACKED);
            SparseMap b = SparseMap.of(Variable.of(rng.normal(0, 1, BATCH, DW_C, DW_H, DW_H)), mask, SparseMap.Mode.PACKED);
            x3 = Variable.param(a.rows().data());
            l3 = a.layout();
            xdw = Variable.param(b.rows().data());
            ldw = b.layout();
            w3 = Variable.param(rng.normal(0, 0.05, SP_C, SP_C, 3, 3));
            wdw = Variable.param(rng.normal(0, 0.05, DW_C, 1, 7, 7));
            bdw = Variable.param(rng.normal(0, 0.05, DW_C));
            g3 = rng.normal(0, 1, x3.shape());
            gdw = rng.normal(0, 1, xdw.shape());
        }

        Variable conv3() { return SparseOps.conv2d(SparseMap.packed(x3, l3), w3, null, spec3, "bench").rows(); }

        Variable depthwise() { return SparseOps.conv2d(SparseMap.packed(xdw, ldw), wdw, bdw, specDw, "bench").rows(); }

        Tensor backward(Variable y, Tensor g, Variable... params) {
            y.backward(g);
            Tensor grad = params[params.length - 1].grad();
            for (Variable p : params) p.zeroGrad();
            return grad;
        }
    }

    @Benchmark
    public Tensor sparseConv3x3Forward(Sparse s) {
        return s.conv3().data();
    }

    @Benchmark
    public Tensor sparseConv3x3ForwardBackward(Sparse s) {
        return s.backward(s.conv3(), s.g3, s.x3, s.w3);
    }

    @Benchmark
    public Tensor sparseDepthwise7x7Forward(Sparse s) {
        return s.depthwise().data();
    }

    @Benchmark
    public Tensor sparseDepthwise7x7ForwardBackward(Sparse s) {
        return s.backward(s.depthwise(), s.gdw, s.xdw, s.bdw, s.wdw);
    }

    // ------------------------------------------------------------------ BatchNorm

    /**
     * BatchNorm in training mode on {@code [BATCH, C, H, W]} channels-last (the decoder's layout), through the
     * model's own code: {@code nn.BatchStats.of} (statistics, one pass), {@code nn.BatchNormOps.normalize}
     * (forward) and its backward (the one-pass kernels of {@code BatchNormOps.Fused}).
     */
    @State(Scope.Benchmark)
    public static class BatchNorm {
        Tensor x, gy;
        double[] mean, invstd;
        long count;
        Variable gamma, beta;

        @Setup
        public void setup() {
            Rng rng = new Rng(4);
            x = rng.normal(0.5, 2, BATCH, EW_C, EW_H, EW_H).toChannelsLast();
            gy = rng.normal(0, 1, BATCH, EW_C, EW_H, EW_H).toChannelsLast();
            BatchStats st = BatchStats.of(x);
            mean = st.mean();
            double[] var = st.variance(0);
            invstd = new double[EW_C];
            for (int c = 0; c < EW_C; c++) invstd[c] = 1 / Math.sqrt(var[c] + 1e-5);
            count = st.count();
            gamma = Variable.param(Tensor.ones(EW_C));
            beta = Variable.param(Tensor.zeros(EW_C));
        }
    }

    /** Per-channel statistics ({@code Σx} and {@code M2}) in one pass over x. */
    @Benchmark
    public BatchStats batchNormStats(BatchNorm s) {
        return BatchStats.of(s.x);
    }

    /** {@code y = (x - mean)·a + β} (no gradient recorded: x is a constant). */
    @Benchmark
    public Tensor batchNormNormalize(BatchNorm s) {
        return BatchNormOps.normalize(Variable.of(s.x), s.gamma, s.beta, s.mean, s.invstd, s.count, true, null).data();
    }

    /** Forward and backward of one training-mode BatchNorm: statistics, normalize, then the input gradient. */
    @Benchmark
    public Tensor batchNormForwardBackward(BatchNorm s) {
        return batchNormForwardBackward(s, BatchNormOps.Activation.NONE);
    }

    /**
     * The same with ReLU6 after the normalisation in the one op (SparK's decoder: BN -> ReLU6): statistics,
     * normalize and clamp, then the input gradient through both.
     */
    @Benchmark
    public Tensor batchNormRelu6ForwardBackward(BatchNorm s) {
        return batchNormForwardBackward(s, BatchNormOps.Activation.RELU6);
    }

    private static Tensor batchNormForwardBackward(BatchNorm s, BatchNormOps.Activation act) {
        Variable xv = Variable.param(s.x);
        BatchStats st = BatchStats.of(s.x);
        double[] var = st.variance(0), inv = new double[EW_C];
        for (int c = 0; c < EW_C; c++) inv[c] = 1 / Math.sqrt(var[c] + 1e-5);
        BatchNormOps.normalize(xv, s.gamma, s.beta, st.mean(), inv, st.count(), true, null, act).backward(s.gy);
        s.gamma.zeroGrad();
        s.beta.zeroGrad();
        return xv.grad();
    }

    // ------------------------------------------------------------------ elementwise

    /** Two activation-sized tensors, NHWC. */
    @State(Scope.Benchmark)
    public static class Elementwise {
        Tensor x, y;

        @Setup
        public void setup() {
            Rng rng = new Rng(5);
            x = rng.normal(3, 4, BATCH, EW_C, EW_H, EW_H).toChannelsLast(); // about half of it inside (0, 6)
            y = rng.normal(0, 1, BATCH, EW_C, EW_H, EW_H).toChannelsLast();
        }
    }

    @Benchmark
    public Tensor add(Elementwise s) {
        return s.x.add(s.y);
    }

    @Benchmark
    public Tensor relu(Elementwise s) {
        return s.x.relu();
    }

    /** ReLU6's backward: the gradient {@code y} where {@code 0 < x < 6}, else 0, in one pass. */
    @Benchmark
    public Tensor relu6Grad(Elementwise s) {
        return s.y.apply(BinaryOp.RELU6_GRAD, s.x);
    }

    // ------------------------------------------------------------------ LAMB

    /**
     * One parameter group with weight decay (so the trust ratio is computed: two passes over the state),
     * SparK's pre-training options. Gradients are small enough (global norm about 0.5) that clipping
     * leaves them unchanged, so every step does the same work.
     */
    @State(Scope.Benchmark)
    public static class LambState {
        Lamb lamb;

        @Setup
        public void setup() {
            Rng rng = new Rng(6);
            Map<String, ParamRef> params = new LinkedHashMap<>();
            for (int i = 0; i < LAMB_SHAPES.length; i++) {
                params.put("w" + i, ParamRef.of(rng.normal(0, 0.02, LAMB_SHAPES[i]), rng.normal(0, 1e-4, LAMB_SHAPES[i])));
            }
            lamb = new Lamb(List.of(new ParamGroup("decay", params, 1e-4, 0.04)), Lamb.Options.sparkPretrain(0.95));
            lamb.step(); // creates exp_avg / exp_avg_sq outside the measurement
        }
    }

    @Benchmark
    public double lambStep(LambState s) {
        s.lamb.step();
        return s.lamb.lastGlobalGradNorm();
    }

    // ------------------------------------------------------------------ the machine's limits

    /** Two 2048x2048 operands and the product. */
    @State(Scope.Benchmark)
    public static class Gemm {
        float[] a, b, c;

        @Setup
        public void setup() {
            Rng rng = new Rng(7);
            a = rng.normal(0, 1, GEMM * GEMM).toFloatArray();
            b = rng.normal(0, 1, GEMM * GEMM).toFloatArray();
            c = new float[GEMM * GEMM];
        }
    }

    /** Compute reference: {@code C = A·B} (NN, beta 0) at 2048^3. */
    @Benchmark
    public float[] sgemm2048(Gemm s) {
        Sgemm.gemm(false, false, GEMM, GEMM, GEMM, 1f, s.a, 0, GEMM, s.b, 0, GEMM, 0f, s.c, 0, GEMM);
        return s.c;
    }

    /** Three 64 MiB float arrays, far larger than the caches. */
    @State(Scope.Benchmark)
    public static class Triad {
        static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
        static final float SCALAR = 3f;
        static final FloatVector SCALAR_VECTOR = FloatVector.broadcast(SPECIES, SCALAR);
        float[] a, b, c;

        @Setup
        public void setup() {
            a = new float[TRIAD_N];
            b = new float[TRIAD_N];
            c = new float[TRIAD_N];
            for (int i = 0; i < TRIAD_N; i++) {
                b[i] = i & 1023;
                c[i] = (i >> 10) & 1023;
            }
        }

        /** {@code a[i] = b[i] + s·c[i]} over {@code [lo, hi)} with vector FMAs and a scalar tail. */
        void run(int lo, int hi) {
            int i = lo, upper = lo + SPECIES.loopBound(hi - lo);
            for (; i < upper; i += SPECIES.length()) {
                FloatVector vc = FloatVector.fromArray(SPECIES, c, i), vb = FloatVector.fromArray(SPECIES, b, i);
                vc.fma(SCALAR_VECTOR, vb).intoArray(a, i);
            }
            for (; i < hi; i++) a[i] = Math.fma(SCALAR, c[i], b[i]);
        }
    }

    /** Memory-bandwidth reference: the triad on all worker threads of the CPU backend's pool. */
    @Benchmark
    public float[] triad(Triad s) {
        Parallel.forRange(TRIAD_N, 1 << 16, s::run);
        return s.a;
    }

    /** The triad on the calling thread alone (one core's share of the bandwidth, for context). */
    @Benchmark
    public float[] triad1Thread(Triad s) {
        s.run(0, TRIAD_N);
        return s.a;
    }
}
