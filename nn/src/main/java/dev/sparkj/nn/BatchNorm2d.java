package dev.sparkj.nn;

import dev.sparkj.autograd.Variable;
import dev.sparkj.sparse.DenseMap;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.sparse.SparseOps;
import dev.sparkj.tensor.DType;
import dev.sparkj.tensor.Tensor;

/**
 * Batch normalisation over channel axis 1 (PyTorch's {@code nn.BatchNorm2d}): parameters {@code weight}
 * (γ, init 1) and {@code bias} (β, init 0) {@code [C]}; buffers {@code running_mean} (F32, 0),
 * {@code running_var} (F32, 1) and {@code num_batches_tracked} (I64 scalar).
 *
 * <p>Training: statistics of the batch over N, H, W, the biased variance to normalise, then
 * {@code running = (1-momentum)·running + momentum·batch} with the <em>unbiased</em> variance, and
 * {@code num_batches_tracked += 1}. Evaluation: the running statistics. eps 1e-5, momentum 0.1 by default.
 *
 * <p>Design note (synchronized BatchNorm): the statistics are kept as per-channel sums
 * ({@link BatchStats}: Σx, Σx², count) and the backward needs only the sums Σgy and Σgy·x, so a
 * data-parallel run installs a {@link StatsReducer} that all-reduces those sums and every replica then
 * normalises with the global statistics, exactly as one machine with the whole batch.
 */
public final class BatchNorm2d extends Module implements ImageLayer {

    /** All-reduces per-channel sums across data-parallel replicas (synchronized BatchNorm). */
    public interface StatsReducer {
        /** The forward statistics summed over replicas. */
        BatchStats allReduce(BatchStats local);

        /** Element-wise sums over replicas of the backward's per-channel sums (arrays of [C]). */
        double[][] allReduce(double[][] local);
    }

    private final int channels;
    private final double eps, momentum;
    private StatsReducer reducer;

    public BatchNorm2d(int channels, double eps, double momentum) {
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        param("weight", Tensor.ones(channels));
        param("bias", Tensor.zeros(channels));
        buffer("running_mean", Tensor.zeros(channels));
        buffer("running_var", Tensor.ones(channels));
        buffer("num_batches_tracked", Tensor.zeros(DType.I64));
    }

    /** eps 1e-5, momentum 0.1 (PyTorch's defaults). */
    public BatchNorm2d(int channels) { this(channels, 1e-5, 0.1); }

    /** Installs (or with null removes) the all-reduce of synchronized BatchNorm. */
    public void setStatsReducer(StatsReducer r) { this.reducer = r; }

    /** {@code [N, C, H, W] -> [N, C, H, W]} (any tensor with channel axis 1). */
    @Override
    public Variable forward(Variable x) { return forward(x, BatchNormOps.Activation.NONE); }

    /** This layer followed by {@code act}, in one op (see {@link BatchNormOps}): the same values as the two layers in turn. */
    public Variable forward(Variable x, BatchNormOps.Activation act) {
        if (x.shape(1) != channels)
            throw new IllegalArgumentException(describe() + ": input has " + x.shape(1) + " channels, expected " + channels);
        if (isTraining()) {
            BatchStats s = BatchStats.of(x.data());
            if (reducer != null) s = reducer.allReduce(s);
            if (s.count() < 2) throw new IllegalArgumentException(describe() + ": training needs more than 1 value per channel");
            double[] mean = s.mean(), var = s.variance(0);
            updateRunning(mean, s.variance(1));
            return BatchNormOps.normalize(x, weight(), bias(), mean, invStd(var), s.count(), true, reducer, act);
        }
        double[] mean = buffer("running_mean").toDoubleArray(), var = buffer("running_var").toDoubleArray();
        return BatchNormOps.normalize(x, weight(), bias(), mean, invStd(var), 0, false, null, act);
    }

    /**
     * This layer, then {@code next}, on either kind of feature map: a {@link ReLU} or {@link ReLU6} runs inside
     * the normalisation's op ({@link #forward(Variable, BatchNormOps.Activation)}; on a sparse map, on its visible
     * rows, where it keeps masked positions zero as the separate layer would), any other layer after it.
     */
    public FeatureMap forwardThen(FeatureMap x, ImageLayer next) {
        BatchNormOps.Activation act = BatchNormOps.Activation.of(next);
        if (act == null) return next.forward(forward(x));
        return switch (x) {
            case DenseMap d -> new DenseMap(forward(d.value(), act));
            case SparseMap sp -> SparseOps.onVisibleRows(sp, v -> forward(v, act));
        };
    }

    /**
     * Normalises with statistics computed elsewhere (e.g. over the visible positions of a sparse map),
     * updating the running statistics as in training.
     */
    public Variable forwardWithStats(Variable x, BatchStats s) {
        double[] mean = s.mean();
        updateRunning(mean, s.variance(1));
        return BatchNormOps.normalize(x, weight(), bias(), mean, invStd(s.variance(0)), s.count(), true, reducer);
    }

    private double[] invStd(double[] var) {
        double[] r = new double[var.length];
        for (int c = 0; c < r.length; c++) r[c] = 1 / Math.sqrt(var[c] + eps);
        return r;
    }

    private void updateRunning(double[] mean, double[] unbiasedVar) {
        Tensor rmT = buffer("running_mean"), rvT = buffer("running_var");
        double[] rm = blend(rmT.toDoubleArray(), mean, momentum), rv = blend(rvT.toDoubleArray(), unbiasedVar, momentum);
        buffer("running_mean", Tensor.of(rm, channels).cast(rmT.dtype()).to(rmT.backend()));
        buffer("running_var", Tensor.of(rv, channels).cast(rvT.dtype()).to(rvT.backend()));
        Tensor nb = buffer("num_batches_tracked");
        buffer("num_batches_tracked", Tensor.scalar(nb.item() + 1, nb.dtype(), nb.backend()));
    }

    /**
     * {@code (1 - momentum) * old + momentum * now}, into {@code old}. (The loop has a method of its own so that, when it
     * is compiled on the spot, only this little method is: see the note at BatchNormOps.times.)
     */
    private static double[] blend(double[] old, double[] now, double momentum) {
        for (int c = 0; c < old.length; c++) old[c] = (1 - momentum) * old[c] + momentum * now[c];
        return old;
    }

    public Variable weight() { return param("weight"); }

    public Variable bias() { return param("bias"); }

    public int channels() { return channels; }

    public double eps() { return eps; }

    public double momentum() { return momentum; }

    @Override
    protected String extraRepr() { return channels + ", eps " + eps + ", momentum " + momentum; }

    /**
     * Sparse (SparK's SparseBatchNorm2d): this layer's forward on the visible positions as rows
     * {@code [rows, C]} (BatchNorm1d over them: statistics, running statistics and synchronized statistics
     * over visible positions only); masked positions stay zero.
     */
    @Override
    public FeatureMap forwardSparse(SparseMap x) { return SparseOps.onVisibleRows(x, this::forward); }
}
