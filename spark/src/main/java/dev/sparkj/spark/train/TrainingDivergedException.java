package dev.sparkj.spark.train;

/** Thrown when a pre-training loss is not finite: training stops, the last checkpoint on disk is left as it was. */
public final class TrainingDivergedException extends RuntimeException {
    private final int epoch, iteration;

    public TrainingDivergedException(String message, int epoch, int iteration) {
        super(message);
        this.epoch = epoch;
        this.iteration = iteration;
    }

    /** The epoch (0-based) of the failing iteration. */
    public int epoch() { return epoch; }

    /** The iteration within that epoch (0-based). */
    public int iteration() { return iteration; }
}
