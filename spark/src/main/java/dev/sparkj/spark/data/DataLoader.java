package dev.sparkj.spark.data;

import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.io.Closeable;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns a dataset into batches {@code [B,3,H,W]} F32, decoding and augmenting on worker threads
 * ahead of the consumer.
 *
 * <p>Determinism: the epoch's order is a permutation drawn from {@code Seeds.derive(seed, epoch,
 * SHUFFLE)}, and sample {@code i} is transformed with an {@link Rng} seeded by {@code Seeds.derive(seed,
 * epoch, i)}. Batches are handed out in order. So the batches depend only on (seed, epoch), not on
 * the number of workers or their timing, and resuming at epoch k (even at batch j) reproduces them.
 *
 * <p>Prefetch: each worker task builds one whole batch; at most {@code prefetch} batches are in
 * flight or waiting (a bounded queue), so memory stays bounded when the consumer is slow.
 * Unreadable samples are skipped (recorded in {@link #skips()}); their batch comes out smaller, and a
 * batch with nothing readable is left out. Lifecycle: the loader owns its worker threads; close it
 * (try-with-resources) when done. Starting a new epoch cancels the previous epoch's iterator.
 */
public final class DataLoader implements Closeable {
    private final ImageDataset data;
    private final Transform transform;
    private final int batchSize, workers, prefetch;
    private final boolean shuffle, dropLast;
    private final long seed;
    private final ExecutorService pool;
    private final SkipLog skips = new SkipLog();
    private volatile EpochIterator current;

    private DataLoader(Builder b) {
        this.data = b.data;
        this.transform = b.transform;
        this.batchSize = b.batchSize;
        this.workers = b.workers;
        this.prefetch = b.prefetch > 0 ? b.prefetch : Math.max(2, 2 * b.workers);
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.seed = b.seed;
        AtomicInteger k = new AtomicInteger();
        this.pool = workers == 0 ? null : Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "sparkj-data-" + k.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts configuring a loader over {@code data}. */
    public static Builder builder(ImageDataset data) { return new Builder(data); }

    public ImageDataset dataset() { return data; }

    public int batchSize() { return batchSize; }

    /** Batches per epoch (before any skips): {@code N / B}, rounded up unless drop-last. */
    public int batchesPerEpoch() {
        int n = data.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The dataset indices of an epoch in the order they are served. */
    public int[] order(int epoch) {
        if (!shuffle) {
            int[] p = new int[data.size()];
            for (int i = 0; i < p.length; i++) p[i] = i;
            return p;
        }
        return new Rng(Seeds.derive(seed, epoch, Seeds.SHUFFLE)).permutation(data.size());
    }

    /** The batches of one epoch (iterate once). */
    public Iterable<Batch> epoch(int epoch) { return () -> iterator(epoch, 0); }

    /** The batches of one epoch starting at batch {@code fromBatch} (for resuming mid-epoch). */
    public EpochIterator iterator(int epoch, int fromBatch) {
        if (pool != null && pool.isShutdown()) throw new IllegalStateException("data loader is closed");
        EpochIterator old = current;
        if (old != null) old.cancel();
        EpochIterator it = new EpochIterator(epoch, fromBatch);
        current = it;
        return it;
    }

    /** Images per second delivered by the current (or last) epoch's iterator, 0 before any. */
    public double imagesPerSecond() {
        EpochIterator it = current;
        return it == null ? 0 : it.imagesPerSecond();
    }

    /** The samples skipped so far as unreadable. */
    public SkipLog skips() { return skips; }

    /** Stops the worker threads; pending batches are dropped. */
    @Override public void close() {
        EpochIterator it = current;
        if (it != null) it.cancel();
        if (pool != null) pool.shutdownNow();
    }

    /** Builds batch {@code number} of an epoch from its slice of the order. */
    private Batch build(int epoch, int number, int[] order) {
        int from = number * batchSize, to = Math.min(from + batchSize, order.length);
        FloatImage[] imgs = new FloatImage[to - from];
        int[] idx = new int[to - from];
        int kept = 0;
        for (int p = from; p < to; p++) {
            int i = order[p];
            FloatImage img;
            try {
                img = data.load(i);
            } catch (ImageDecodeException e) {
                skips.record(e);
                continue;
            }
            img = transform.apply(img, new Rng(Seeds.derive(seed, epoch, i)));
            if (kept > 0 && (img.channels() != imgs[0].channels() || img.height() != imgs[0].height() || img.width() != imgs[0].width()))
                throw new IllegalStateException("samples of one batch differ in shape: " + data.describe(idx[0]) + " gives " + imgs[0]
                        + ", " + data.describe(i) + " gives " + img + " (add a crop/resize transform)");
            imgs[kept] = img;
            idx[kept++] = i;
        }
        if (kept == 0) return new Batch(null, new int[0], new int[0], epoch, number, to - from);
        FloatImage first = imgs[0];
        int per = first.numel();
        float[] out = new float[kept * per];
        int[] labels = new int[kept];
        for (int k = 0; k < kept; k++) {
            System.arraycopy(imgs[k].data(), 0, out, k * per, per);
            labels[k] = data.label(idx[k]);
        }
        return new Batch(Tensor.of(out, kept, first.channels(), first.height(), first.width()),
                Arrays.copyOf(idx, kept), labels, epoch, number, (to - from) - kept);
    }

    /** The iterator over one epoch's batches, with its prefetch window. */
    public final class EpochIterator implements Iterator<Batch> {
        private final int epoch;
        private final int[] order;
        private final int total;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private int nextToSubmit, nextToTake;
        private Batch ready;
        private volatile boolean cancelled;
        private final long startNanos = System.nanoTime();
        private volatile long delivered;

        private EpochIterator(int epoch, int fromBatch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.total = batchesPerEpoch();
            if (fromBatch < 0 || fromBatch > total) throw new IllegalArgumentException("batch " + fromBatch + " of " + total);
            this.nextToSubmit = this.nextToTake = fromBatch;
            fill();
        }

        private void fill() {
            if (pool == null) return;
            while (!cancelled && inFlight.size() < prefetch && nextToSubmit < total) {
                final int number = nextToSubmit++;
                inFlight.add(pool.submit(() -> build(epoch, number, order)));
            }
        }

        private Batch take() {
            int number = nextToTake++;
            if (pool == null) return build(epoch, number, order);
            Future<Batch> f = inFlight.poll();
            fill();
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancel();
                throw new IllegalStateException("interrupted while waiting for batch " + number, e);
            } catch (ExecutionException e) {
                cancel();
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) throw r;
                if (c instanceof Error err) throw err;
                throw new IllegalStateException("loading batch " + number + " failed", c);
            }
        }

        @Override public boolean hasNext() {
            while (ready == null && !cancelled && nextToTake < total) {
                Batch b = take();
                if (b.size() > 0) ready = b;
            }
            return ready != null;
        }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException();
            Batch b = ready;
            ready = null;
            delivered += b.size();
            return b;
        }

        /** Drops the batches still in flight; the iterator then ends. */
        public void cancel() {
            cancelled = true;
            for (Future<Batch> f : inFlight) f.cancel(true);
            inFlight.clear();
        }

        /** Images delivered per second since this iterator started. */
        public double imagesPerSecond() {
            double s = (System.nanoTime() - startNanos) * 1e-9;
            return s <= 0 ? 0 : delivered / s;
        }

        /** Index of the next batch this iterator will build (for checkpoints). */
        public int position() { return nextToTake; }
    }

    /** Configures a {@link DataLoader}. */
    public static final class Builder {
        private final ImageDataset data;
        private Transform transform = Transform.identity();
        private int batchSize = 32, workers = Math.max(1, Runtime.getRuntime().availableProcessors() - 1), prefetch;
        private boolean shuffle = true, dropLast = true;
        private long seed;

        private Builder(ImageDataset data) { this.data = data; }

        /** Per-sample preprocessing (default: none; images must then already share one size). */
        public Builder transform(Transform t) { this.transform = t; return this; }

        public Builder batchSize(int b) {
            if (b <= 0) throw new IllegalArgumentException("batch size " + b);
            this.batchSize = b;
            return this;
        }

        /** Decoding threads; 0 decodes on the caller's thread (default: cores - 1, at least 1). */
        public Builder workers(int n) {
            if (n < 0) throw new IllegalArgumentException("workers " + n);
            this.workers = n;
            return this;
        }

        /** Batches in flight or waiting (default: 2 x workers, at least 2). */
        public Builder prefetch(int n) {
            if (n < 0) throw new IllegalArgumentException("prefetch " + n);
            this.prefetch = n;
            return this;
        }

        /** Shuffle each epoch (default true). */
        public Builder shuffle(boolean s) { this.shuffle = s; return this; }

        /** Leave out the last, incomplete batch (default true, as pre-training). */
        public Builder dropLast(boolean d) { this.dropLast = d; return this; }

        public Builder seed(long s) { this.seed = s; return this; }

        public DataLoader build() {
            if (data.size() == 0) throw new IllegalArgumentException("empty dataset");
            return new DataLoader(this);
        }
    }
}
