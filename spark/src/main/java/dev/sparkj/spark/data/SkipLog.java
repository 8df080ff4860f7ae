package dev.sparkj.spark.data;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe record of samples that could not be loaded and were skipped: a running count, the
 * first {@link #KEEP} (source, reason) pairs, and one warning per skip on the "sparkj.data"
 * {@link System.Logger} (the first {@link #KEEP}; after that only the count grows).
 */
public final class SkipLog {
    /** How many entries are kept and logged. */
    public static final int KEEP = 100;

    /** One skipped sample. */
    public record Entry(String source, String reason) {}

    private static final System.Logger LOG = System.getLogger("sparkj.data");
    private final AtomicLong count = new AtomicLong();
    private final List<Entry> entries = new ArrayList<>();

    /** Records a skip. */
    public void record(String source, String reason) {
        long k = count.incrementAndGet();
        if (k <= KEEP) {
            synchronized (entries) { entries.add(new Entry(source, reason)); }
            LOG.log(System.Logger.Level.WARNING, "skipping unreadable image " + source + ": " + reason
                    + (k == KEEP ? " (further skips are only counted)" : ""));
        }
    }

    /** Records a failed decode. */
    public void record(ImageDecodeException e) { record(e.source(), e.reason()); }

    /** Number of skips so far. */
    public long count() { return count.get(); }

    /** The first {@link #KEEP} skips, in the order they were recorded. */
    public List<Entry> entries() {
        synchronized (entries) { return List.copyOf(entries); }
    }
}
