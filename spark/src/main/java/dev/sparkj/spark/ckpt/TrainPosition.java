package dev.sparkj.spark.ckpt;

/**
 * Where a pre-training run stands: the next batch to train is batch {@code batch} of epoch
 * {@code epoch} (0-based); at an epoch boundary {@code batch} is 0 and {@code epoch} epochs are done.
 *
 * @param epoch         the epoch to continue with (= epochs completed when {@code batch == 0})
 * @param batch         the batch of that epoch to continue with
 * @param itersPerEpoch batches per epoch of the run's data (a resumed run must see the same)
 */
public record TrainPosition(int epoch, int batch, int itersPerEpoch) {
    public TrainPosition {
        if (epoch < 0 || batch < 0 || itersPerEpoch < 1 || batch >= itersPerEpoch)
            throw new IllegalArgumentException("invalid training position: epoch " + epoch + ", batch " + batch + " of " + itersPerEpoch);
    }

    /** Iterations done: {@code epoch × itersPerEpoch + batch} (the schedule's iteration index of the next step). */
    public long globalIteration() { return (long) epoch * itersPerEpoch + batch; }

    /** Whole epochs done. */
    public int epochsDone() { return epoch; }

    /** The position after {@code globalIteration} iterations. */
    public static TrainPosition at(long globalIteration, int itersPerEpoch) {
        return new TrainPosition((int) (globalIteration / itersPerEpoch), (int) (globalIteration % itersPerEpoch), itersPerEpoch);
    }
}
