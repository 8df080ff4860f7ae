package dev.sparkj.bench;

import dev.sparkj.tensor.Conv2dSpec;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;
import dev.sparkj.tensor.cpu.Sgemm;

import java.util.function.Supplier;

/**
 * A performance sanity check (not a test) of the CPU backend's convolutions: ResNet-50's 3x3 256->256
 * layer at 56x56 on channels-last data (forward and both gradients), ConvNeXt's depthwise 7x7, and
 * for context Sgemm on the GEMM the 3x3 layer becomes. Prints milliseconds and GFLOP/s (2 flops per
 * multiply-add, the convolution's nominal count).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/classes:tensor/target/classes
 * dev.sparkj.bench.ConvBench [batch] [iterations]} (defaults 16 and 3).
 */
public final class ConvBench {
    private ConvBench() {}

    public static void main(String[] args) {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int iters = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf("sparkj ConvBench: %d threads, vector %s, batch %d%n", Parallel.threads(),
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED, batch);
        Rng rng = new Rng(1);

        // ResNet-50 layer1..2 3x3 256 -> 256 at 56x56 (the SparK encoder's largest dense 3x3), NHWC
        Conv2dSpec s1 = Conv2dSpec.of(1, 1, 1);
        Tensor x = rng.normal(0, 1, batch, 256, 56, 56).toChannelsLast();
        Tensor w = rng.normal(0, 0.02, 256, 256, 3, 3), b = rng.normal(0, 1, 256);
        Tensor gy = rng.normal(0, 1, batch, 256, 56, 56).toChannelsLast();
        double flops = 2.0 * batch * 56 * 56 * 256 * 256 * 9;
        time("conv 3x3 256->256 56x56 NHWC forward (+bias)", flops, iters, () -> x.conv2d(w, b, s1));
        time("conv 3x3 256->256 56x56 NHWC backward input", flops, iters, () -> gy.conv2dBackwardInput(w, s1, x.shape()));
        time("conv 3x3 256->256 56x56 NHWC backward weight", flops, iters, () -> gy.conv2dBackwardWeight(x, s1, w.shape()));
        Tensor xc = x.contiguous();
        time("conv 3x3 256->256 56x56 NCHW forward (+bias)", flops, iters, () -> xc.conv2d(w, b, s1));

        // 1x1 256 -> 64 (bottleneck reduce) NHWC: one GEMM on the activations
        Tensor w1 = rng.normal(0, 0.02, 64, 256, 1, 1);
        time("conv 1x1 256->64 56x56 NHWC forward", 2.0 * batch * 56 * 56 * 64 * 256, iters, () -> x.conv2d(w1, null, Conv2dSpec.of(1, 0, 1)));

        // ConvNeXt-T stage 1 depthwise 7x7 on 96 channels
        Tensor xd = rng.normal(0, 1, batch, 96, 56, 56).toChannelsLast(), wd = rng.normal(0, 0.02, 96, 1, 7, 7), bd = rng.normal(0, 1, 96);
        Conv2dSpec sd = Conv2dSpec.of(1, 3, 96);
        double fd = 2.0 * batch * 56 * 56 * 96 * 49;
        time("depthwise 7x7 C96 56x56 NHWC forward", fd, iters, () -> xd.conv2d(wd, bd, sd));
        time("depthwise 7x7 C96 56x56 NHWC backward input", fd, iters, () -> xd.conv2dBackwardInput(wd, sd, xd.shape()));
        time("depthwise 7x7 C96 56x56 NHWC backward weight", fd, iters, () -> xd.conv2dBackwardWeight(xd, sd, wd.shape()));

        // the GEMM behind the 3x3 layer: one image's im2col [3136, 2304] x [2304, 256]
        int m = 3136, n = 256, k = 2304;
        float[] a = rng.normal(0, 1, m * k).toFloatArray(), bb = rng.normal(0, 1, n * k).toFloatArray(), c = new float[m * n];
        time("Sgemm 3136x256x2304 (A . B^T, as the conv calls it)", 2.0 * m * n * k, iters, () -> {
            Sgemm.gemm(false, true, m, n, k, 1f, a, 0, k, bb, 0, k, 0f, c, 0, n);
            return null;
        });
        int q = 1024;
        float[] qa = rng.normal(0, 1, q * q).toFloatArray(), qb = rng.normal(0, 1, q * q).toFloatArray(), qc = new float[q * q];
        time("Sgemm 1024^3", 2.0 * q * q * q, iters, () -> {
            Sgemm.gemm(false, false, q, q, q, 1f, qa, 0, q, qb, 0, q, 0f, qc, 0, q);
            return null;
        });
    }

    /** One warm-up run, then the best of {@code iters} timed runs. */
    private static void time(String what, double flops, int iters, Supplier<?> op) {
        op.get();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            op.get();
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("%-58s %9.1f ms %8.1f GFLOP/s%n", what, best / 1e6, flops / best);
    }
}
