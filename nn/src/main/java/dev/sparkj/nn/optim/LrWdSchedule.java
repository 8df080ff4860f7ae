package dev.sparkj.nn.optim;

import java.util.List;

/**
 * SparK's per-iteration learning-rate and weight-decay schedules ({@code lr_wd_annealing} of the
 * pre-training and fine-tuning code), in the reference's double arithmetic and evaluation order:
 * linear warm-up from {@code 0.005·peak} over {@code round(wpIt)} iterations (Python's half-to-even
 * rounding), then cosine to {@code 0.001·peak} at the last iteration; weight decay cosine from
 * {@code wd} to {@code wdEnd} over the whole run (pre-training) or constant (fine-tuning).
 */
public final class LrWdSchedule {
    private LrWdSchedule() {}

    /** The min and max lr and weight decay written to the groups, as the reference returns for logging. */
    public record Applied(double minLr, double maxLr, double minWd, double maxWd) {}

    /** The peak lr for a global batch: {@code baseLr × batch / 256}. */
    public static double peakLr(double baseLr, int globalBatch) {
        return baseLr * globalBatch / 256;
    }

    /** Python 3's {@code round(x)}: to the nearest integer, ties to even. */
    public static long pythonRound(double x) {
        return (long) Math.rint(x);
    }

    /** The lr at iteration {@code curIt} (0-based) of {@code maxIt}, with {@code wpIt} warm-up iterations (rounded). */
    public static double lr(double peakLr, long curIt, double wpIt, long maxIt) {
        long wp = pythonRound(wpIt);
        if (curIt < wp) return 0.005 * peakLr + 0.995 * peakLr * curIt / wp;
        long den = maxIt - 1 - wp;
        if (den == 0) throw new ArithmeticException("lr schedule: max_it - 1 - wp_it is 0 (division by zero in the reference)");
        double ratio = (double) (curIt - wp) / den;
        return 0.001 * peakLr + 0.999 * peakLr * (0.5 + 0.5 * StrictMath.cos(Math.PI * ratio));
    }

    /** The pre-training weight decay at iteration {@code curIt}: cosine from {@code wd} (first) to {@code wdEnd} (last). */
    public static double cosineWd(double wd, double wdEnd, long curIt, long maxIt) {
        if (maxIt == 1) throw new ArithmeticException("wd schedule: max_it - 1 is 0 (division by zero in the reference)");
        double ratio = (double) curIt / (maxIt - 1);
        return wdEnd + (wd - wdEnd) * (0.5 + 0.5 * StrictMath.cos(Math.PI * ratio));
    }

    /** Pre-training: sets every group's lr and weight decay for iteration {@code curIt}. */
    public static Applied pretrain(List<ParamGroup> groups, double peakLr, double wd, double wdEnd,
                                   long curIt, double wpIt, long maxIt) {
        return apply(groups, lr(peakLr, curIt, wpIt, maxIt), cosineWd(wd, wdEnd, curIt, maxIt));
    }

    /** Fine-tuning: the same lr schedule with a constant weight decay. */
    public static Applied fineTune(List<ParamGroup> groups, double peakLr, double wd, long curIt, double wpIt, long maxIt) {
        return apply(groups, lr(peakLr, curIt, wpIt, maxIt), wd);
    }

    /** Writes {@code lr × lrScale} and {@code wd × weightDecayScale} to each group. */
    public static Applied apply(List<ParamGroup> groups, double lr, double wd) {
        double minLr = lr, maxLr = lr, minWd = wd, maxWd = wd;
        for (ParamGroup g : groups) {
            double l = lr * g.lrScale(), w = wd * g.weightDecayScale();
            g.setLr(l);
            g.setWeightDecay(w);
            minLr = Math.min(minLr, l);
            maxLr = Math.max(maxLr, l);
            minWd = Math.min(minWd, w);
            maxWd = Math.max(maxWd, w);
        }
        return new Applied(minLr, maxLr, minWd, maxWd);
    }
}
