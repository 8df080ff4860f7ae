package dev.sparkj.spark.model;

import dev.sparkj.autograd.Node;
import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.HeapStorage;
import dev.sparkj.tensor.Tensor;
import dev.sparkj.tensor.cpu.Parallel;

/**
 * SparK's loss (spark-semantics.md §5) in one pass over each patch, for float tensors on the heap.
 *
 * <p>It computes the loss of the composed form in {@link SparK#forward}'s fallback (up to float rounding, summed in
 * another order): patchify the input to
 * {@code [B, L, p*p*3]} (row in patch, column in patch, channel), normalise each patch by its own mean and unbiased
 * variance ({@code (x - mean) / sqrt(var + 1e-6)}), take the mean squared difference to the patchified reconstruction
 * per patch, and average it over the masked patches. Written as tensor ops that is a patchify copy of both images, two
 * reductions, four elementwise passes over the 2.4M floats of a 224-px batch of 16, and as many again in backward,
 * each with its own output array; here each patch is read once into its row of the target, normalised there while it
 * is in cache, and compared with the reconstruction at once.
 *
 * <p>The loss's gradient with respect to the reconstruction, {@code 2 (rec - target) / (p*p*3)} on masked patches
 * divided by the masked count and zero on visible ones, is written in the same pass (when a gradient is wanted): it is
 * all that backward needs, so neither the target nor the reconstruction is kept for it. Backward scales it by the
 * incoming gradient (1 for a loss). Sums are in double, in a fixed order per patch and over patches, so results do not
 * depend on the thread count.
 */
final class PatchLoss {
    private PatchLoss() {}

    /** The loss, and each input patch's mean and standard deviation {@code [B, L, 1]} (for de-normalising a reconstruction). */
    record Result(Variable loss, Tensor mean, Tensor std) {}

    /** Whether {@link #of} handles these tensors: float, on the heap. Others take the composed tensor ops. */
    static boolean applies(Tensor input, Variable rec) {
        return input.dtype() == DType.F32 && rec.dtype() == DType.F32
                && input.storage() instanceof HeapStorage && rec.data().storage() instanceof HeapStorage;
    }

    /**
     * {@code input} and {@code rec} {@code [B, 3, gh*p, gw*p]} (any strides), {@code masked} {@code [B, gh*gw]} values 1
     * for a masked patch (counted in the loss) and 0 for a visible one.
     */
    static Result of(Tensor input, Variable rec, float[] masked, int gh, int gw, int p) {
        final int b = input.shape(0), c = input.shape(1), patches = b * gh * gw, d = p * p * c;
        final float[] in = heap(input), re = heap(rec.data());
        final int[] is = input.strides(), rs = rec.data().strides();
        final int io = input.offset(), ro = rec.data().offset();
        double count = 0;
        for (float m : masked) count += m;
        final double denom = count + 1e-8;
        final boolean grad = NoGrad.isGradEnabled() && rec.requiresGrad();
        final Tensor gradRec = grad ? rec.data().emptyLike() : null;
        final float[] ga = grad ? heap(gradRec) : null;
        final int[] gs = grad ? gradRec.strides() : null;
        final int go = grad ? gradRec.offset() : 0;
        final float[] mean = new float[patches], std = new float[patches];
        final double[] l2 = new double[patches];
        Parallel.forRange(patches, 4, (lo, hi) -> {
            float[] t = new float[d]; // this patch's normalised target, in patchify order
            for (int q = lo; q < hi; q++) {
                int n = q / (gh * gw), gy = q / gw % gh, gx = q % gw;
                int y0 = gy * p, x0 = gx * p;
                double sum = 0;
                for (int i = 0, k = 0; i < p; i++)
                    for (int j = 0; j < p; j++)
                        for (int ch = 0; ch < c; ch++, k++) {
                            float v = in[io + n * is[0] + ch * is[1] + (y0 + i) * is[2] + (x0 + j) * is[3]];
                            t[k] = v;
                            sum += v;
                        }
                double mu = sum / d, ss = 0;
                for (int k = 0; k < d; k++) {
                    double e = t[k] - mu;
                    ss += e * e;
                }
                float meanF = (float) mu, varF = (float) (ss / (d - 1));
                float stdF = (float) Math.sqrt((float) (varF + 1e-6));
                mean[q] = meanF;
                std[q] = stdF;
                boolean counted = masked[q] != 0;
                // d(loss)/d(rec) = 2 (rec - target) / d * masked / denom; zero on visible patches
                float scale = counted ? (float) (2.0 * masked[q] / d / denom) : 0f;
                double acc = 0;
                for (int i = 0, k = 0; i < p; i++)
                    for (int j = 0; j < p; j++)
                        for (int ch = 0; ch < c; ch++, k++) {
                            int y = y0 + i, x = x0 + j;
                            if (counted) {
                                float diff = re[ro + n * rs[0] + ch * rs[1] + y * rs[2] + x * rs[3]] - (t[k] - meanF) / stdF;
                                acc += diff * diff;
                                if (ga != null) ga[go + n * gs[0] + ch * gs[1] + y * gs[2] + x * gs[3]] = scale * diff;
                            } else if (ga != null) {
                                ga[go + n * gs[0] + ch * gs[1] + y * gs[2] + x * gs[3]] = 0f;
                            }
                        }
                l2[q] = counted ? masked[q] * (double) (float) (acc / d) : 0;
            }
        });
        double total = 0;
        for (double v : l2) total += v;
        Tensor value = Tensor.scalar((float) ((float) total / denom));
        // backward returns a copy (or a scaled copy): the saved gradient's memory goes back when this node is released,
        // before the engine has counted what the node returned
        Variable loss = grad
                ? Node.unary("patchLoss", rec, value, new Tensor[]{gradRec}, (node, g) -> {
                    double s = g.item();
                    return s == 1.0 ? node.saved(0).copy() : node.saved(0).mul(s);
                })
                : Variable.of(value);
        return new Result(loss, Tensor.of(mean, b, gh * gw, 1), Tensor.of(std, b, gh * gw, 1));
    }

    private static float[] heap(Tensor t) { return ((HeapStorage) t.storage()).f32(); }
}
